/* Atlas Santé: drawing helpers shared by the pages (choropleth map, bar and line charts, image export).
 *
 * Maps are plotly `scatter` traces filled "toself" in the lon/lat plane with a fixed aspect ratio, never
 * `geo`/`choropleth` traces: those fetch a base map from a CDN, and the browser calls no third-party host.
 * This also lets the page load plotly's small "basic" bundle (scatter and bar) instead of the full one.
 */
window.AtlasCharts = (function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";
  var NO_DATA = "#ffffff";
  // Hatching of flagged values: withheld values are grey, an unreliable value keeps its class colour.
  var PATTERNS = {
    suppressed: { fill: "#bdbdbd", pattern: { shape: "x", fgcolor: "#525252", size: 6, solidity: 0.15 } },
    masked: { fill: "#bdbdbd", pattern: { shape: "/", fgcolor: "#525252", size: 6, solidity: 0.2 } },
    not_computable: { fill: "#f0f0f0", pattern: { shape: "-", fgcolor: "#737373", size: 6, solidity: 0.2 } },
    unreliable: { fill: null, pattern: { shape: ".", fgcolor: "#252525", size: 5, solidity: 0.3 } },
  };

  // No link, button or watermark pointing to plotly.com / Chart Studio; toolbar text in the page language.
  function plotConfig(extra) {
    var config = { displaylogo: false, showLink: false, showSendToCloud: false, showEditInChartStudio: false,
                   responsive: true, locale: lang, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
    Object.keys(extra || {}).forEach(function (key) { config[key] = extra[key]; });
    return config;
  }

  function rings(geometry, xs, ys) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        ring.forEach(function (point) { xs.push(point[0]); ys.push(point[1]); });
        xs.push(null); ys.push(null);
      });
    });
  }

  function outerBox(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var box = [Infinity, Infinity, -Infinity, -Infinity], best = null;
    polygons.forEach(function (polygon) {
      var b = [Infinity, Infinity, -Infinity, -Infinity];
      polygon[0].forEach(function (p) {
        b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]); b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]);
      });
      box = [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])];
      var size = (b[2] - b[0]) * (b[3] - b[1]);
      if (!best || size > best.size) { best = { size: size, box: b }; }
    });
    return { box: box, label: [(best.box[0] + best.box[2]) / 2, (best.box[1] + best.box[3]) / 2] };
  }

  function style(row) {
    if (!row) { return { fill: NO_DATA, pattern: null, key: "none" }; }
    var flag = row.flag && PATTERNS[row.flag];
    var fill = flag && flag.fill ? flag.fill : (row.color || NO_DATA);
    return { fill: fill, pattern: flag ? flag.pattern : null, key: fill + "|" + (row.flag || "") };
  }

  function trace(xs, ys, look, extra) {
    var t = { type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: look.fill,
              line: { color: "#6b6b6b", width: 0.5 }, hoverinfo: "skip", showlegend: false };
    if (look.pattern) { t.fillpattern = look.pattern; }
    Object.keys(extra || {}).forEach(function (key) { t[key] = extra[key]; });
    return t;
  }

  /* Draws ``collection`` coloured by ``rows`` (by area code). Few areas: one trace each (hover and click on
   * the shape). Many: one trace per colour and flag, and one invisible marker per area carrying hover and
   * click, since thousands of traces would be slow. Returns the number of shapes drawn. */
  function drawMap(el, collection, rows, options) {
    var byCode = {};
    rows.forEach(function (row) { byCode[row.code] = row; });
    var features = collection.features, traces = [], shapes = [], groups = {};
    var points = { x: [], y: [], text: [], customdata: [] };
    var few = features.length <= 150;
    var lats = [Infinity, -Infinity];
    features.forEach(function (feature) {
      var code = feature.properties.code, row = byCode[code], look = style(row);
      var xs = [], ys = [], shape = outerBox(feature.geometry);
      lats = [Math.min(lats[0], shape.box[1]), Math.max(lats[1], shape.box[3])];
      rings(feature.geometry, xs, ys);
      var hover = row ? row.hover : "<b>" + feature.properties.name + "</b> (" + code + ")<br>" + options.strings.noData;
      if (few) {
        traces.push(trace(xs, ys, look, { hoveron: "fills", hoverinfo: "text", text: hover, name: code,
                                          meta: { code: code, url: row ? row.url : null } }));
      } else {
        var group = groups[look.key] || (groups[look.key] = { look: look, xs: [], ys: [] });
        Array.prototype.push.apply(group.xs, xs);
        Array.prototype.push.apply(group.ys, ys);
        points.x.push(shape.label[0]); points.y.push(shape.label[1]); points.text.push(hover);
        points.customdata.push(row ? row.url : "");
      }
      if ((options.insets || []).indexOf(code) !== -1) {
        var pad = 0.15, b = shape.box;
        shapes.push({ type: "rect", x0: b[0] - pad, y0: b[1] - pad, x1: b[2] + pad, y1: b[3] + pad,
                      line: { color: "#737373", width: 1 }, layer: "below" });
      }
    });
    if (!few) {
      Object.keys(groups).forEach(function (key) { traces.push(trace(groups[key].xs, groups[key].ys, groups[key].look)); });
      traces.push({ type: "scatter", mode: "markers", x: points.x, y: points.y, text: points.text,
                    customdata: points.customdata, hoverinfo: "text", showlegend: false,
                    marker: { size: 6, opacity: 0 } });
    }
    var midLat = (lats[0] + lats[1]) / 2;
    var layout = {
      margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false, hovermode: "closest", dragmode: "pan",
      plot_bgcolor: "#fff", paper_bgcolor: "#fff", shapes: shapes,
      xaxis: { visible: false },
      // One degree of longitude is cos(latitude) times shorter than one of latitude.
      yaxis: { visible: false, scaleanchor: "x", scaleratio: 1 / Math.cos((midLat * Math.PI) / 180) },
    };
    return Plotly.react(el, traces, layout, plotConfig({ scrollZoom: true })).then(function () {
      el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (!point) { return; }
        var url = point.customdata || (point.data.meta && point.data.meta.url);
        if (url) { window.location.assign(url); }
      });
      return features.length;
    });
  }

  // Title and source inside the figure, so an exported image carries them.
  function frame(layout, title, source) {
    layout.title = { text: title, font: { size: 15 }, x: 0, xanchor: "left" };
    layout.annotations = (layout.annotations || []).concat(source ? [{
      text: source, xref: "paper", yref: "paper", x: 0, y: -0.28, xanchor: "left", yanchor: "top",
      showarrow: false, font: { size: 10, color: "#444" } }] : []);
    return layout;
  }

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // The page's HTML legend (a list of swatches) as annotations right of the plot, so the image carries it.
  function legendAnnotations(list, heading) {
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var out = [{ text: "<b>" + escapeText(heading) + "</b>", xref: "paper", yref: "paper", x: 1.02, y: 1,
                 xanchor: "left", yanchor: "top", showarrow: false, font: { size: 11 } }];
    items.forEach(function (item, i) {
      var swatch = item.querySelector(".swatch"), flag = null;
      Object.keys(PATTERNS).forEach(function (key) { if (swatch && swatch.classList.contains("pattern-" + key)) { flag = key; } });
      var color = (swatch && swatch.dataset.color) || (flag && PATTERNS[flag].fill) || "#bdbdbd";
      out.push({ text: '<span style="color:' + color + '">\u2588\u2588</span> ' + escapeText(item.textContent.trim()),
                 xref: "paper", yref: "paper", x: 1.02, y: 1 - (i + 1) * 0.055, xanchor: "left", yanchor: "top",
                 showarrow: false, font: { size: 11 } });
    });
    return out;
  }

  function save(url, filename) {
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /* Exports the chart ``el`` as PNG or SVG. ``extra.title``/``extra.source`` frame a chart drawn without
   * them (the map); ``extra.legend`` (a list element) adds the page's legend beside the plot. */
  function downloadImage(el, format, filename, extra) {
    var layout = JSON.parse(JSON.stringify(el.layout));
    if (extra.title && !layout.title) { frame(layout, extra.title, extra.source); }
    if (extra.legend) {
      layout.annotations = (layout.annotations || []).concat(legendAnnotations(extra.legend, extra.legendTitle || ""));
      layout.margin = Object.assign({}, layout.margin, { r: 260, t: Math.max((layout.margin || {}).t || 0, 50), b: Math.max((layout.margin || {}).b || 0, 60) });
    }
    return Plotly.toImage({ data: el.data, layout: layout }, { format: format, width: 1200, height: 700 })
      .then(function (url) { save(url, filename + "." + format); });
  }

  function textOf(id) {
    var node = id && document.getElementById(id);
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // Buttons: data-export (chart id), data-format (png|svg), optional data-title (id of the heading to use
  // as title), data-legend (id of the legend list) and data-legend-title (id of its heading).
  function bindExports(root, filename, source) {
    root.querySelectorAll("button[data-export]").forEach(function (button) {
      button.addEventListener("click", function () {
        var el = document.getElementById(button.dataset.export);
        if (!el || !el.data) { return; }
        downloadImage(el, button.dataset.format, filename + "-" + button.dataset.export, {
          title: textOf(button.dataset.title), source: source || "",
          legend: button.dataset.legend ? document.getElementById(button.dataset.legend) : null,
          legendTitle: textOf(button.dataset.legendTitle),
        });
      });
    });
  }

  return { plotConfig: plotConfig, drawMap: drawMap, frame: frame, bindExports: bindExports, patterns: PATTERNS };
})();
