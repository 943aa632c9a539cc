/* Atlas Santé home map: population density of the departments, drill-down to communes, search.
 *
 * Polygons are drawn as plotly `scatter` traces filled "toself" in the lon/lat plane with a fixed
 * aspect ratio, never as `geo`/`choropleth` traces: those fetch their base map from a CDN, and the
 * browser must not call any third-party host.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("atlas-map-config").textContent);
  var t = config.strings;
  var mapEl = document.getElementById("map");
  var statusEl = document.getElementById("map-status");
  var titleEl = document.getElementById("map-title");
  var backEl = document.getElementById("map-back");
  var legendEl = document.getElementById("map-legend");
  var infoEl = document.getElementById("area-info");
  // ColorBrewer YlOrRd, 5 classes: readable for colour-blind users and in grey scale.
  var COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  var NO_DATA = "#d9d9d9";
  var number = new Intl.NumberFormat(document.documentElement.lang || "fr", { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat(document.documentElement.lang || "fr", { maximumFractionDigits: 1 });

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function geojsonUrl(level, params) {
    var url = config.geojsonUrl.replace("__level__", level);
    var query = new URLSearchParams(params).toString();
    return query ? url + "?" + query : url;
  }

  function fetchJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }

  function density(props) {
    return props.population != null && props.area_km2 ? props.population / props.area_km2 : null;
  }

  // Quantile class limits over the known values: each colour covers about as many areas.
  function breaks(values) {
    var sorted = values.filter(function (v) { return v != null; }).sort(function (a, b) { return a - b; });
    if (!sorted.length) { return []; }
    var limits = [];
    for (var i = 1; i < COLORS.length; i++) {
      limits.push(sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / COLORS.length))]);
    }
    limits.push(sorted[sorted.length - 1]);
    return { min: sorted[0], limits: limits };
  }

  function classOf(value, classes) {
    if (value == null || !classes.limits) { return -1; }
    for (var i = 0; i < classes.limits.length; i++) {
      if (value <= classes.limits[i]) { return i; }
    }
    return classes.limits.length - 1;
  }

  // A geometry's rings as one x/y path, rings separated by null gaps so "toself" fills each one.
  function appendRings(geometry, xs, ys) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        ring.forEach(function (point) { xs.push(point[0]); ys.push(point[1]); });
        xs.push(null); ys.push(null);
      });
    });
  }

  // A label point: the middle of the bounding box of the largest outer ring.
  function labelPoint(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var best = null;
    polygons.forEach(function (polygon) {
      var ring = polygon[0];
      var box = bbox(ring);
      var size = (box[2] - box[0]) * (box[3] - box[1]);
      if (!best || size > best.size) { best = { size: size, box: box }; }
    });
    return [(best.box[0] + best.box[2]) / 2, (best.box[1] + best.box[3]) / 2];
  }

  function bbox(points) {
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    points.forEach(function (p) {
      if (p[0] < box[0]) { box[0] = p[0]; }
      if (p[1] < box[1]) { box[1] = p[1]; }
      if (p[0] > box[2]) { box[2] = p[0]; }
      if (p[1] > box[3]) { box[3] = p[1]; }
    });
    return box;
  }

  function geometryBox(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var points = [];
    polygons.forEach(function (polygon) { points = points.concat(polygon[0]); });
    return bbox(points);
  }

  function hoverText(props) {
    var value = density(props);
    return "<b>" + props.name + "</b> (" + props.code + ")<br>" + t.density + " : " +
      (value == null ? t.noData : decimal.format(value) + " " + t.perKm2) +
      "<br>" + t.population + " : " + (props.population == null ? t.noData : number.format(props.population));
  }

  function layoutFor(features, shapes) {
    var all = features.map(function (f) { return geometryBox(f.geometry); });
    var midLat = (Math.min.apply(null, all.map(function (b) { return b[1]; })) +
                  Math.max.apply(null, all.map(function (b) { return b[3]; }))) / 2;
    return {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      showlegend: false,
      hovermode: "closest",
      dragmode: "pan",
      plot_bgcolor: "#fff",
      paper_bgcolor: "#fff",
      xaxis: { visible: false, fixedrange: false },
      // One degree of longitude is cos(latitude) times shorter than one of latitude.
      yaxis: { visible: false, scaleanchor: "x", scaleratio: 1 / Math.cos((midLat * Math.PI) / 180) },
      shapes: shapes || [],
    };
  }

  // No link, button or watermark pointing to plotly.com / Chart Studio: the page never sends data to a third party.
  var plotConfig = { displaylogo: false, showLink: false, showSendToCloud: false, showEditInChartStudio: false,
                     responsive: true, scrollZoom: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function renderLegend(classes) {
    legendEl.innerHTML = "";
    var items = [];
    if (classes.limits) {
      var lower = classes.min;
      classes.limits.forEach(function (upper, i) {
        items.push([COLORS[i], decimal.format(lower) + " – " + decimal.format(upper)]);
        lower = upper;
      });
    }
    items.push([NO_DATA, t.noData]);
    items.forEach(function (item) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item[0];
      swatch.setAttribute("aria-hidden", "true");
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(item[1]));
      legendEl.appendChild(li);
    });
  }

  function setTitle(title) {
    titleEl.textContent = title;
    mapEl.setAttribute("aria-label", format(t.mapOf, { title: title }));
  }

  // One trace per department: hovering and clicking a shape gives that department.
  var departmentNames = {};

  function drawDepartments(collection) {
    var features = collection.features;
    features.forEach(function (f) { departmentNames[f.properties.code] = f.properties.name; });
    var classes = breaks(features.map(function (f) { return density(f.properties); }));
    var shapes = [];
    var traces = features.map(function (feature) {
      var xs = [], ys = [];
      appendRings(feature.geometry, xs, ys);
      var cls = classOf(density(feature.properties), classes);
      if (config.overseas.indexOf(feature.properties.code) !== -1) {
        var box = geometryBox(feature.geometry);
        var pad = 0.15;
        shapes.push({ type: "rect", x0: box[0] - pad, y0: box[1] - pad, x1: box[2] + pad, y1: box[3] + pad,
                      line: { color: "#888", width: 1 }, layer: "below" });
      }
      return {
        type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself",
        fillcolor: cls < 0 ? NO_DATA : COLORS[cls], line: { color: "#ffffff", width: 0.6 },
        hoveron: "fills", hoverinfo: "text", text: hoverText(feature.properties), name: feature.properties.code,
        meta: { level: "department", code: feature.properties.code, name: feature.properties.name },
      };
    });
    renderLegend(classes);
    setTitle(t.france);
    backEl.hidden = true;
    return Plotly.react(mapEl, traces, layoutFor(features, shapes), plotConfig);
  }

  // Communes grouped into one filled trace per colour class (hundreds of traces would be slow) and
  // one marker trace at their label points carrying hover and click.
  function drawCommunes(collection, department) {
    var features = collection.features;
    var classes = breaks(features.map(function (f) { return density(f.properties); }));
    var groups = COLORS.concat([NO_DATA]).map(function (color) { return { color: color, xs: [], ys: [] }; });
    var points = { x: [], y: [], text: [], customdata: [] };
    features.forEach(function (feature) {
      var cls = classOf(density(feature.properties), classes);
      var group = groups[cls < 0 ? groups.length - 1 : cls];
      appendRings(feature.geometry, group.xs, group.ys);
      var at = labelPoint(feature.geometry);
      points.x.push(at[0]); points.y.push(at[1]);
      points.text.push(hoverText(feature.properties));
      points.customdata.push(feature.properties.code);
    });
    var traces = groups.filter(function (g) { return g.xs.length; }).map(function (g) {
      return { type: "scatter", mode: "lines", x: g.xs, y: g.ys, fill: "toself", fillcolor: g.color,
               line: { color: "#ffffff", width: 0.4 }, hoverinfo: "skip" };
    });
    traces.push({ type: "scatter", mode: "markers", x: points.x, y: points.y, text: points.text,
                  customdata: points.customdata, hovertemplate: "%{text}<extra></extra>",
                  marker: { size: 5, color: "rgba(0,0,0,0.2)" }, meta: { level: "commune" } });
    renderLegend(classes);
    setTitle(format(t.communesOf, { name: department.name + " (" + department.code + ")" }));
    backEl.hidden = false;
    return Plotly.react(mapEl, traces, layoutFor(features), plotConfig);
  }

  function load(promise) {
    statusEl.textContent = t.loading;
    return promise.then(function () {
      statusEl.textContent = "";
      mapEl.dataset.ready = "true";
    }).catch(function (error) {
      statusEl.textContent = t.loadError;
      if (window.console) { console.error(error); }
    });
  }

  function showFrance() {
    mapEl.dataset.ready = "false";
    return load(fetchJSON(geojsonUrl("department", { detail: "national" })).then(drawDepartments));
  }

  function showDepartment(code, name) {
    mapEl.dataset.ready = "false";
    var request = fetchJSON(geojsonUrl("commune", { parent: code, parent_level: "department", detail: "zoomed" }));
    return load(request.then(function (collection) {
      mapEl.dataset.department = code;
      return drawCommunes(collection, { code: code, name: name || departmentNames[code] || code });
    }));
  }

  function showInfo(level, code) {
    var url = config.areaUrl.replace("__level__", level).replace("__code__", encodeURIComponent(code));
    return fetchJSON(url).then(function (area) {
      infoEl.innerHTML = "";
      var heading = document.createElement("h2");
      heading.textContent = area.name + " (" + area.code + ")";
      var facts = document.createElement("p");
      facts.textContent = t.population + " : " + (area.population == null ? t.noData : number.format(area.population)) +
        " · " + t.density + " : " + (area.density == null ? t.noData : decimal.format(area.density) + " " + t.perKm2);
      var parents = document.createElement("p");
      parents.textContent = area.parents.map(function (p) { return p.name; }).join(" › ");
      infoEl.appendChild(heading);
      infoEl.appendChild(facts);
      infoEl.appendChild(parents);
      infoEl.hidden = false;
    });
  }

  function bindMapEvents() {
    if (!mapEl.on) { return; }
    mapEl.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.data.meta) { return; }
      if (point.data.meta.level === "department") {
        showDepartment(point.data.meta.code, point.data.meta.name);
        showInfo("department", point.data.meta.code);
      } else if (point.data.meta.level === "commune" && point.customdata) {
        showInfo("commune", point.customdata);
      }
    });
  }

  backEl.addEventListener("click", function () { showFrance(); infoEl.hidden = true; });

  // --- search ---------------------------------------------------------------------------------
  var searchInput = document.getElementById("area-search");
  var resultsEl = document.getElementById("search-results");
  var searchStatus = document.getElementById("search-status");
  var pending = null;
  var levelLabels = {};

  function renderResults(rows) {
    resultsEl.innerHTML = "";
    searchStatus.textContent = rows.length ? "" : t.noResult;
    if (!rows.length && searchInput.value.trim()) {
      var empty = document.createElement("li");
      empty.textContent = t.noResult;
      resultsEl.appendChild(empty);
    }
    rows.forEach(function (row) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.level = row.level;
      button.dataset.code = row.code;
      button.textContent = row.name + " (" + row.code + ") — " + (levelLabels[row.level] || row.level);
      button.addEventListener("click", function () { chooseResult(row); });
      li.appendChild(button);
      resultsEl.appendChild(li);
    });
  }

  function chooseResult(row) {
    resultsEl.innerHTML = "";
    if (row.level === "department") {
      showDepartment(row.code, row.name);
    } else if (row.level === "commune" && row.parent_code) {
      showDepartment(row.parent_code);
    }
    showInfo(row.level, row.code);
  }

  searchInput.addEventListener("input", function () {
    clearTimeout(pending);
    var q = searchInput.value.trim();
    if (!q) { resultsEl.innerHTML = ""; return; }
    pending = setTimeout(function () {
      var url = config.areasUrl + "?" + new URLSearchParams({ q: q, limit: 10 }).toString();
      fetchJSON(url).then(function (page) {
        if (searchInput.value.trim() === q) { renderResults(page.results); }
      });
    }, 200);
  });

  fetchJSON(config.levelsUrl).then(function (levels) {
    levels.forEach(function (level) { levelLabels[level.code] = level.label; });
  });

  showFrance().then(bindMapEvents);
})();
