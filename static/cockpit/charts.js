/* Renders the plotly figures a page carries as JSON (json_script) into [data-figure] elements.
   No inline script: the Content-Security-Policy stays script-src 'self'. A point whose customdata is a
   site URL ("/...") is a link to the customers behind it. */
(function () {
  "use strict";
  function linkOf(point) {
    var data = point && point.customdata;
    if (Array.isArray(data)) { data = data[0]; }
    return (typeof data === "string" && data.charAt(0) === "/") ? data : null;
  }
  function render(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      el.dataset.rendered = "1";
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true, displaylogo: false, locale: document.documentElement.lang,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      }).then(function () {
        el.on("plotly_click", function (event) {
          var url = linkOf(event.points && event.points[0]);
          if (url) { window.location.href = url; }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSettle", function (event) { render(event.target); });
})();
