/* Starts Redoc from the container's data attributes: the page has no inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var settings = container.dataset.settings ? JSON.parse(container.dataset.settings) : {};
  Redoc.init(container.dataset.schemaUrl, settings, container);
})();
