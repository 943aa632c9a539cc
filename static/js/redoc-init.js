/* Starts Redoc from the container's data attributes: the page has no inline script (CSP script-src 'self').
 * The nonce lets Redoc's runtime <style> elements through style-src without 'unsafe-inline'. */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var settings = container.dataset.settings ? JSON.parse(container.dataset.settings) : {};
  settings.nonce = container.dataset.nonce;
  Redoc.init(container.dataset.schemaUrl, settings, container);
})();
