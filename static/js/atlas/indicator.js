/* Indicator page: the state form submits itself on change (so the URL holds the whole state and the back
 * button restores it), the map and charts are drawn from the data the server embedded, the table sorts. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("atlas-indicator-data").textContent);
  var t = data.strings;
  var form = document.getElementById("state");
  var mapEl = document.getElementById("map");
  var statusEl = document.getElementById("map-status");
  var number = new Intl.NumberFormat(document.documentElement.lang || "fr", { maximumFractionDigits: 1 });
  var OVERSEAS = { department: ["971", "972", "973", "974", "976"], region: ["01", "02", "03", "04", "06"] };

  // --- state form ---------------------------------------------------------------------------------------
  var level = document.getElementById("level"), parent = document.getElementById("parent");
  // Back/forward: the controls show the URL's state, never what the browser remembers of the form.
  form.reset();
  window.addEventListener("pageshow", function (event) { if (event.persisted) { form.reset(); } });
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (parent) { parent.disabled = level.value !== "commune"; }
      form.submit();
    });
  });

  // --- legend swatches (colours set through the CSSOM: no style attribute in the markup) ---------------
  document.querySelectorAll("#map-legend .swatch").forEach(function (swatch) {
    if (swatch.dataset.color) { swatch.style.backgroundColor = swatch.dataset.color; }
  });

  // --- map ------------------------------------------------------------------------------------------------
  function geojsonUrl() {
    var params = new URLSearchParams();
    if (data.level === "commune" && data.parent) {
      var parts = data.parent.split(":");
      params.set("parent_level", parts[0]);
      params.set("parent", parts[1]);
      params.set("detail", "zoomed");
    }
    var query = params.toString();
    return data.geojsonUrl + (query ? "?" + query : "");
  }

  function drawMap() {
    return fetch(geojsonUrl(), { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("GeoJSON: HTTP " + response.status); }
        return response.json();
      })
      .then(function (collection) {
        var insets = data.parent ? [] : (OVERSEAS[data.level] || []);
        return AtlasCharts.drawMap(mapEl, collection, data.rows, { insets: insets, strings: { noData: t.noData || "–" } });
      })
      .then(function (count) {
        mapEl.dataset.shapes = String(count);
        // Milliseconds from navigation start to the drawn map (benchmarks/map_load.py reads it).
        mapEl.dataset.readyMs = String(Math.round(performance.now()));
        mapEl.dataset.ready = "true";
        statusEl.textContent = "";
      })
      .catch(function (error) {
        statusEl.textContent = t.loadError;
        if (window.console) { console.warn(error); }
      });
  }

  // --- ranked bar chart with 95% CI and reference lines ---------------------------------------------------
  function drawRanking() {
    var el = document.getElementById("ranking");
    var rows = data.rows.filter(function (r) { return r.value !== null; })
      .sort(function (a, b) { return b.value - a.value; });
    if (!rows.length) { el.hidden = true; return; }
    var bars = {
      type: "bar", x: rows.map(function (r) { return r.name; }), y: rows.map(function (r) { return r.value; }),
      marker: { color: rows.map(function (r) { return r.color || "#bdbdbd"; }), line: { color: "#525252", width: 0.5 } },
      error_y: { type: "data", symmetric: false, color: "#252525", thickness: 1, width: 2,
                 array: rows.map(function (r) { return r.hi === null ? 0 : r.hi - r.value; }),
                 arrayminus: rows.map(function (r) { return r.lo === null ? 0 : r.value - r.lo; }) },
      hovertext: rows.map(function (r) { return r.hover; }), hoverinfo: "text", name: data.title,
    };
    var shapes = [], annotations = [], dashes = ["solid", "dash"];
    data.references.forEach(function (ref, i) {
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: ref.value, y1: ref.value,
                    line: { color: i ? "#7b3294" : "#000000", width: 1.5, dash: dashes[i % 2] } });
      annotations.push({ xref: "paper", x: 1, y: ref.value, xanchor: "right", yanchor: "bottom", showarrow: false,
                         text: ref.name + " : " + number.format(ref.value), font: { size: 11 } });
    });
    var layout = AtlasCharts.frame({
      margin: { l: 50, r: 10, t: 40, b: rows.length > 40 ? 20 : 110 }, showlegend: false, shapes: shapes,
      annotations: annotations, xaxis: { showticklabels: rows.length <= 40, tickangle: -60, automargin: true },
      yaxis: { title: { text: data.unit }, rangemode: "tozero" }, bargap: 0.15,
    }, data.title + " — " + data.period, t.source + " : " + (data.source || ""));
    layout.annotations[layout.annotations.length - 1].y = rows.length > 40 ? -0.05 : -0.45;
    return Plotly.react(el, [bars], layout, AtlasCharts.plotConfig());
  }

  // --- time series of the chosen areas, their parent and France -------------------------------------------
  function drawSeries() {
    var el = document.getElementById("series");
    if (!el || !data.series.length) { return; }
    var traces = data.series.map(function (line) {
      return { type: "scatter", mode: "lines+markers", x: line.x, y: line.y, name: line.name, connectgaps: false };
    });
    var layout = AtlasCharts.frame({ margin: { l: 50, r: 10, t: 40, b: 90 }, legend: { orientation: "h", y: -0.15 },
                                     xaxis: { type: "category", title: { text: t.period } },
                                     yaxis: { title: { text: data.unit } } },
                                   data.title + " — " + t.series, t.source + " : " + (data.source || ""));
    return Plotly.react(el, traces, layout, AtlasCharts.plotConfig());
  }

  // --- sortable table -------------------------------------------------------------------------------------
  var table = document.getElementById("values-table");
  table.querySelectorAll("thead button[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      var th = button.closest("th"), index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var descending = th.getAttribute("aria-sort") !== "descending";
      table.querySelectorAll("thead th").forEach(function (other) { if (other.hasAttribute("aria-sort")) { other.setAttribute("aria-sort", "none"); } });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var numeric = button.dataset.sort === "number";
      rows.sort(function (a, b) {
        var x = a.cells[index], y = b.cells[index], cmp;
        if (numeric) {
          var u = x.dataset.value === "" ? -Infinity : Number(x.dataset.value);
          var v = y.dataset.value === "" ? -Infinity : Number(y.dataset.value);
          cmp = u - v;
        } else {
          cmp = x.textContent.trim().localeCompare(y.textContent.trim(), document.documentElement.lang);
        }
        return descending ? -cmp : cmp;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });

  AtlasCharts.bindExports(document, "atlas-" + (data.level || "carte"), t.source + " : " + (data.source || ""));
  // The map first (its GeoJSON request leaves at once); the charts once it is drawn.
  drawMap().then(function () {
    drawRanking();
    drawSeries();
  });
})();
