/* Territory profile: the spine chart (each indicator centred on France, the level's spread behind the area's
 * value) and the population pyramid (men to the left, women to the right). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("atlas-territory-data").textContent);
  var s = data.strings;
  var lang = document.documentElement.lang || "fr";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  // Position of v on a row centred on France (0), scaled so the farthest end of the spread is at 1, and
  // flipped where low values are good so that "better" is always on the right.
  function scaler(row) {
    var span = Math.max(row.france - row.min, row.max - row.france) || 1;
    var sign = row.polarity === "low_is_good" ? -1 : 1;
    return function (v) { return sign * (v - row.france) / span; };
  }

  // A title in lines of at most ``width`` characters (plotly does not wrap).
  function wrap(text, width) {
    var lines = [""];
    text.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (lines[last] && (lines[last] + " " + word).length > width) { lines.push(word); }
      else { lines[last] = lines[last] ? lines[last] + " " + word : word; }
    });
    return lines.join("<br>");
  }

  function drawSpine() {
    var el = document.getElementById("spine");
    var rows = data.spine || [];
    if (!el || !rows.length) { return; }
    // One row per indicator even where two share a name; long names shortened (whole in the hover).
    var labels = rows.map(function (r, i) { return i; });
    var narrow = el.clientWidth < 600, room = narrow ? 24 : 58;
    var names = rows.map(function (r) { return r.label.length > room ? r.label.slice(0, room - 2) + "…" : r.label; });
    var range = { lo: [], width: [] }, box = { lo: [], width: [] }, dots = [];
    rows.forEach(function (row) {
      var at = scaler(row), ends = [at(row.min), at(row.max)].sort(function (a, b) { return a - b; });
      var mid = [at(row.q1), at(row.q3)].sort(function (a, b) { return a - b; });
      range.lo.push(ends[0]); range.width.push(ends[1] - ends[0]);
      box.lo.push(mid[0]); box.width.push(mid[1] - mid[0]);
      dots.push(at(row.value));
    });
    var hover = rows.map(function (r) {
      return r.label + "<br>" + s.area + " : " + decimal.format(r.value) + " " + r.unit + "<br>" + s.france + " : " +
        decimal.format(r.france) + "<br>" + s.range + " : " + decimal.format(r.min) + " – " + decimal.format(r.max) +
        " (" + r.count + ")<br>" + s.quartiles + " : " + decimal.format(r.q1) + " – " + decimal.format(r.q3);
    });
    var bar = function (part, color, name) {
      return { type: "bar", orientation: "h", y: labels, base: part.lo, x: part.width, name: name,
               marker: { color: color }, hoverinfo: "skip", width: 0.6 };
    };
    var traces = [bar(range, "#d9d9d9", s.range), bar(box, "#969696", s.quartiles), {
      type: "scatter", mode: "markers", y: labels, x: dots, name: s.area, hovertext: hover, hoverinfo: "text",
      marker: { size: 11, color: rows.map(function (r) { return r.color; }), line: { color: "#252525", width: 1 } },
    }];
    // Pixels: title and legend above the rows, the axis words and the source below.
    var top = narrow ? 130 : 84, bottom = 64, height = top + bottom + 30 * rows.length, plot = height - top - bottom;
    el.style.height = height + "px";
    var layout = AtlasCharts.frame({
      barmode: "overlay", height: height, margin: { l: 10, r: 10, t: top, b: bottom }, showlegend: true,
      legend: { orientation: "h", x: 0, y: 1 + 8 / plot, yanchor: "bottom" },
      xaxis: { range: [-1.08, 1.08], zeroline: true, zerolinecolor: "#d7191c", zerolinewidth: 2, showticklabels: true,
               tickvals: [0], ticktext: [s.france], fixedrange: true },
      yaxis: { automargin: true, fixedrange: true, tickvals: labels, ticktext: names,
               range: [rows.length - 0.5, -0.5] },
    }, narrow ? wrap(s.spineTitle, 36) : s.spineTitle, s.source);
    layout.title.y = 1 - 10 / height;
    layout.title.yanchor = "top";
    layout.annotations[layout.annotations.length - 1].y = -40 / plot;
    // The ends' meaning as words inside the plot's width (tick labels at the ends are clipped).
    [[0, "left", s.worse], [1, "right", s.better]].forEach(function (end) {
      layout.annotations.push({ xref: "paper", yref: "paper", x: end[0], xanchor: end[1], y: -4 / plot,
                                yanchor: "top", showarrow: false, text: end[2], font: { size: 11, color: "#444" } });
    });
    return Plotly.react(el, traces, layout, AtlasCharts.plotConfig());
  }

  function drawPyramid() {
    var el = document.getElementById("pyramid");
    if (!el || !data.pyramid) { return; }
    var p = data.pyramid;
    var traces = [
      { type: "bar", orientation: "h", name: s.men, y: p.bands, x: p.men.map(function (v) { return -v; }),
        marker: { color: "#2c7fb8" }, hovertext: p.men.map(function (v, i) { return p.bands[i] + " : " + number.format(v); }), hoverinfo: "text+name" },
      { type: "bar", orientation: "h", name: s.women, y: p.bands, x: p.women,
        marker: { color: "#e66101" }, hovertext: p.women.map(function (v, i) { return p.bands[i] + " : " + number.format(v); }), hoverinfo: "text+name" },
    ];
    var max = Math.max.apply(null, p.men.concat(p.women));
    var ticks = [-max, -max / 2, 0, max / 2, max];
    var layout = AtlasCharts.frame({ barmode: "overlay", bargap: 0.05, margin: { l: 60, r: 10, t: 40, b: 60 },
      legend: { orientation: "h", y: -0.12 },
      xaxis: { tickvals: ticks, ticktext: ticks.map(function (v) { return number.format(Math.abs(v)); }) },
      yaxis: { type: "category" } }, s.title + " " + p.period, "Insee, estimations de population");
    return Plotly.react(el, traces, layout, AtlasCharts.plotConfig());
  }

  drawSpine();
  drawPyramid();
  AtlasCharts.bindExports(document, "profil");
})();
