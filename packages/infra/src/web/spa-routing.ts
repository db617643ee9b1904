/**
 * The dashboard's CloudFront Function (viewer request, cloudfront-js-2.0), as the source CloudFront runs. It is
 * a string so the distribution ships exactly what the unit test evaluates (test/web.test.ts):
 * - `/` and `/app` answer 301 to `/app/`, where the build lives (Vite `base: "/app/"`); the query string is
 *   dropped, nothing of ours links there with one;
 * - `/app/<path>` whose last segment has no file extension (`/app/`, `/app/callback`, `/app/orders/o-1`) is a
 *   route of the single-page app: CloudFront fetches `/app/index.html` instead;
 * - everything else goes to the bucket unchanged, so a missing asset stays a 403/404 instead of turning into
 *   the page (which custom error responses would do to every error of every path).
 * The cache key is the rewritten URI: every route shares the one cached `index.html`.
 */
export const SPA_ROUTING_FUNCTION_SOURCE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/" || uri === "/app") {
    return {
      statusCode: 301,
      statusDescription: "Moved Permanently",
      headers: { location: { value: "/app/" } },
    };
  }
  if (uri.indexOf("/app/") === 0) {
    var last = uri.slice(uri.lastIndexOf("/") + 1);
    if (last.indexOf(".") === -1) request.uri = "/app/index.html";
  }
  return request;
}
`;
