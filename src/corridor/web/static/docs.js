// The OpenAPI page, from the locally served swagger-ui bundle.
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
