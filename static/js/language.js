/* Submits the language selector on change (was an inline onchange, which CSP script-src 'self' refuses). */
document.querySelectorAll("form.lang select[name=language]").forEach(function (select) {
  "use strict";
  select.addEventListener("change", function () { select.form.submit(); });
});
