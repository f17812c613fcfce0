// Starts Swagger UI on GET /docs. A file of its own (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts.
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The page is served by the API it documents: no validator badge (it would call an outside service).
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    displayRequestDuration: true,
    tryItOutEnabled: false,
  });
});
