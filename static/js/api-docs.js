// The interactive API docs: Swagger UI over the app's own OpenAPI document (no inline script, CSP nonce on the tag).
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // Calls from this page carry the browser's session cookie; changes also need the page's CSRF token.
    requestInterceptor: (request) => {
      request.headers["X-CSRFToken"] = root.dataset.csrfToken;
      return request;
    },
  });
});
