/* The customer list: a filter form submits only the filters that have a value, so an address never carries
   "q=&region=&..." (plain submits through the formdata event, htmx requests through htmx:configRequest). */
(function () {
  "use strict";

  function dropEmpty(data) {
    var keys = [];
    data.forEach(function (value, key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
    keys.forEach(function (key) {
      var kept = data.getAll(key).filter(function (value) { return value !== ""; });
      if (kept.length !== data.getAll(key).length) {
        data.delete(key);
        kept.forEach(function (value) { data.append(key, value); });
      }
    });
  }

  document.addEventListener("formdata", function (event) {
    if (event.target.id === "filter-form") { dropEmpty(event.formData); }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    if (source && (source.id === "filter-form" || source.closest && source.closest("#filter-form"))) {
      dropEmpty(event.detail.formData || event.detail.parameters);
    }
  });
})();
