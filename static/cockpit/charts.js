/* Renders the plotly figures a page carries as JSON (json_script) into [data-figure] elements.
   No inline script: the Content-Security-Policy stays script-src 'self'. A point whose customdata is a
   site URL ("/...") is a link to the customers behind it. On a narrow box (a phone) the layout is made to fit:
   fewer x ticks, axis titles dropped (the legend and the card's title say what the axes are), smaller margins,
   the legend below the plot. */
(function () {
  "use strict";
  function linkOf(point) {
    var data = point && point.customdata;
    if (Array.isArray(data)) { data = data[0]; }
    return (typeof data === "string" && data.charAt(0) === "/") ? data : null;
  }
  var NARROW = 520;  // px of the chart's box below which the figure is fitted to a phone

  function fitNarrow(layout, width) {
    if (width >= NARROW) { return layout; }
    var fitted = JSON.parse(JSON.stringify(layout));
    var twoAxes = !!fitted.yaxis2;
    fitted.font = Object.assign({}, fitted.font, {size: 11});
    fitted.margin = {l: 8, r: 8, t: fitted.title ? 30 : 8, b: 8};
    if (fitted.xaxis) {
      fitted.xaxis.nticks = Math.max(3, Math.floor(width / 90));
      fitted.xaxis.tickangle = 0;
      fitted.xaxis.automargin = true;
    }
    ["yaxis", "yaxis2"].forEach(function (name) {
      var axis = fitted[name];
      if (!axis) { return; }
      if (axis.title) { axis.title = {text: ""}; }
      if (!axis.tickvals) { axis.nticks = 5; }  // an axis with its own ticks (0-100%) keeps them
      axis.automargin = true;
    });
    if (fitted.showlegend !== false) {
      fitted.legend = {orientation: "h", x: 0, xanchor: "left", y: -0.12, yanchor: "top"};
      fitted.margin.b = 8;
      fitted.height = (fitted.height || 300) + (twoAxes ? 40 : 24);
    }
    return fitted;
  }

  function render(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      el.dataset.rendered = "1";
      window.Plotly.newPlot(el, figure.data, fitNarrow(figure.layout, el.clientWidth), {
        responsive: true, displaylogo: false, locale: document.documentElement.lang,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      }).then(function () {
        el.on("plotly_click", function (event) {
          // Unified hover gives every trace's point at that x: the first one that links wins.
          var points = (event && event.points) || [];
          for (var i = 0; i < points.length; i += 1) {
            var url = linkOf(points[i]);
            if (url) { window.location.href = url; return; }
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSettle", function (event) { render(event.target); });
})();
