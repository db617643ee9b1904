/**
 * What the dashboard's pages may load and call, the sources of its Content-Security-Policy. Each value is an
 * origin (`https://host`, tokens allowed) or a CSP keyword; `'self'` is added by `contentSecurityPolicy`.
 */
export interface DashboardCspSources {
  /** The API's origin(s): what `fetch` may call besides the dashboard itself. */
  api: string[];
  /** The Cognito managed-login domain (`https://<prefix>.auth.<region>.amazoncognito.com`): token and revocation calls. */
  loginDomain: string;
  /** The region's Cognito user pool API (`https://cognito-idp.<region>.amazonaws.com`): OIDC discovery and JWKS. */
  userPoolApi: string;
  /** The images CDN (`https://<distribution>.cloudfront.net`): product renditions. */
  images: string;
  /** Where the browser POSTs an image upload: the presigned POST's URL (`https://<bucket>.s3.<region>.amazonaws.com`). */
  uploads: string;
}

/**
 * The dashboard's Content-Security-Policy: nothing by default; scripts, styles, fonts and the manifest from the
 * dashboard only (no inline script or style: Vite emits files, and Preact and uPlot set styles through the
 * CSSOM, which style-src does not govern); images also from the images CDN and `data:`/`blob:` (an upload's
 * preview); connections to the API, Cognito and the upload bucket; no `<base>`, forms post to the
 * dashboard only, and no page may frame it.
 *
 * @example
 * contentSecurityPolicy({ api: ["https://api.example.com"], ... }) // "default-src 'none'; script-src 'self'; ..."
 */
export function contentSecurityPolicy(sources: DashboardCspSources): string {
  const directives: Array<[string, string[]]> = [
    ["default-src", ["'none'"]],
    ["script-src", ["'self'"]],
    ["style-src", ["'self'"]],
    ["img-src", ["'self'", "data:", "blob:", sources.images]],
    ["connect-src", ["'self'", ...sources.api, sources.loginDomain, sources.userPoolApi, sources.uploads]],
    ["font-src", ["'self'"]],
    ["manifest-src", ["'self'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(" ")}`).join("; ");
}
