/* Territory profile: the population pyramid (men to the left, women to the right). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("atlas-territory-data").textContent);
  var el = document.getElementById("pyramid");
  if (!el || !data.pyramid) { return; }
  var s = data.strings, p = data.pyramid;
  var number = new Intl.NumberFormat(document.documentElement.lang || "fr", { maximumFractionDigits: 0 });
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
  Plotly.react(el, traces, layout, AtlasCharts.plotConfig());
  AtlasCharts.bindExports(document, "pyramide");
})();
