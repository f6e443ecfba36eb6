// Draws the report's charts from the JSON embedded in the page (render.py) with Chart.js,
// and copies a table to the clipboard as a table (it pastes into a slide or a sheet).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  // Okabe-Ito first (told apart by readers with colour-vision deficiency), its pale yellow left out.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#6A3D9A", "#7F7F7F", "#8C564B", "#17BECF"];
  var TOTAL_COLOUR = "#000000";

  function formatter(format) {
    switch (format) {
      case "share":
        return function (v) { return (v * 100).toLocaleString("en-US", { maximumFractionDigits: 1 }) + " %"; };
      case "seconds":
        return function (v) { return v.toLocaleString("en-US", { maximumFractionDigits: 1 }) + " s"; };
      case "hours":
        return function (v) { return v.toLocaleString("en-US", { maximumFractionDigits: 1 }) + " h"; };
      case "unit_cost":
        return function (v) { return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 }); };
      case "money":
        return function (v) { return v.toLocaleString("en-US", { maximumFractionDigits: 0 }); };
      default:
        return function (v) { return v.toLocaleString("en-US", { maximumFractionDigits: 2 }); };
    }
  }

  function dataset(spec, series, index) {
    var total = series.name === "all channels";
    var named = data.colours[series.name];
    var colour = total ? TOTAL_COLOUR : PALETTE[(named === undefined ? index : named) % PALETTE.length];
    var ds = { label: series.name, data: series.values, backgroundColor: colour, borderColor: colour };
    if (series.style === "marker") {
      // A short horizontal dash on each bar: the low or the high end of a band.
      var ink = series.name.indexOf("low") >= 0 ? "#7F7F7F" : "#000000";
      return Object.assign(ds, {
        type: "line", showLine: false, pointStyle: "line", pointRadius: 16, pointHoverRadius: 18,
        borderWidth: 3, borderColor: ink, backgroundColor: ink, order: -1
      });
    }
    if (spec.kind === "line") {
      // A line of one or two points is mostly its points: draw them large enough to see.
      return Object.assign(ds, {
        borderWidth: total ? 3 : 2, borderDash: total ? [6, 4] : [],
        pointRadius: spec.labels.length < 3 ? 6 : 2, spanGaps: false, tension: 0
      });
    }
    return ds;
  }

  function config(spec) {
    var format = formatter(spec.series[0].format);
    var horizontal = spec.kind === "hbar" || spec.kind === "hbar_stacked";
    var stacked = spec.kind === "stacked" || spec.kind === "hbar_stacked";
    var valueAxis = {
      beginAtZero: true, stacked: stacked,
      title: { display: true, text: spec.unit },
      ticks: { callback: function (v) { return format(v); } }
    };
    // offset: the first and last label sit half a step in from the edges, also on line charts.
    var labelAxis = { stacked: stacked, offset: true, ticks: { autoSkip: !horizontal } };
    return {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(spec, s, i); }) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = horizontal ? ctx.parsed.x : ctx.parsed.y;
                var f = formatter(spec.series[ctx.datasetIndex].format);
                return ctx.dataset.label + ": " + (v === null ? "n/a" : f(v));
              }
            }
          }
        }
      }
    };
  }

  data.charts.forEach(function (spec) {
    var canvas = document.querySelector("#chart-" + spec.id + " canvas");
    if (canvas) {
      new Chart(canvas, config(spec));
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) {
      return;
    }
    var table = button.parentElement.querySelector("table");
    var range = document.createRange();
    range.selectNode(table);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    button.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
  });
})();
