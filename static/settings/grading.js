// Policy editor: show only the cut section of the chosen method (the others keep their values and are still sent).
(function () {
  "use strict";
  var METHOD_SECTIONS = ["fixed_amount", "cumulative_share", "rank_percentile", "weighted_score"];

  function sync(form) {
    var select = form.querySelector("select[name='method']");
    if (!select) { return; }
    METHOD_SECTIONS.forEach(function (name) {
      var section = form.querySelector("fieldset[data-section='" + name + "']");
      if (section) { section.hidden = name !== select.value; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("policy-form");
    if (!form) { return; }
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "method") { sync(form); }
    });
  });
})();
