/* Small behaviours of the cockpit pages, no inline script (CSP script-src 'self'):
   - forms with [data-autosubmit] submit when a select changes;
   - the customer list's checkboxes: select the page, then "select all N matching", feeding "send coupon". */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") { form.requestSubmit(); }
  });

  function selection(root) {
    var form = root.querySelector("#selection-form");
    if (!form) { return null; }
    return {
      form: form,
      boxes: form.querySelectorAll("input[name=codes]"),
      page: form.querySelector("#select-page"),
      all: form.querySelector("#select-all-matching"),
      banner: form.querySelector("#select-banner"),
      count: form.querySelector("#selected-count"),
      send: form.querySelector("#send-coupon")
    };
  }

  function refresh(sel) {
    var checked = 0;
    sel.boxes.forEach(function (b) { if (b.checked) { checked += 1; } });
    var allMode = sel.form.dataset.all === "1";
    var total = parseInt(sel.form.dataset.total || "0", 10);
    if (sel.page) {
      sel.page.checked = checked > 0 && checked === sel.boxes.length;
      sel.page.indeterminate = checked > 0 && checked < sel.boxes.length;
    }
    if (sel.banner) { sel.banner.hidden = !(checked === sel.boxes.length && checked > 0 && total > checked); }
    if (sel.count) {
      sel.count.textContent = allMode ? sel.count.dataset.allText : sel.count.dataset.template.replace("%s", checked);
    }
    if (sel.send) { sel.send.disabled = !allMode && checked === 0; }
  }

  function bind(root) {
    var sel = selection(root);
    if (!sel || sel.form.dataset.bound) { return; }
    sel.form.dataset.bound = "1";
    sel.form.addEventListener("change", function (event) {
      if (event.target === sel.page) {
        sel.boxes.forEach(function (b) { b.checked = sel.page.checked; });
      }
      if (!sel.page.checked || event.target.name === "codes" && !event.target.checked) { sel.form.dataset.all = "0"; }
      refresh(sel);
    });
    if (sel.all) {
      sel.all.addEventListener("click", function () {
        sel.form.dataset.all = "1";
        refresh(sel);
        sel.count.focus();
      });
    }
    sel.form.addEventListener("submit", function (event) {
      if (sel.form.dataset.all === "1") {
        event.preventDefault();
        window.location.href = sel.form.dataset.allUrl;
      }
    });
    refresh(sel);
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSettle", function () { bind(document); });
})();
