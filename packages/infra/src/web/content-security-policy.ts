import { dashboardContentSecurityPolicy } from "@meridian/core";

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
 * The dashboard's Content-Security-Policy in AWS: core's `dashboardContentSecurityPolicy` (the one the sandbox
 * serves at `/app/` too), with connections to the API, Cognito and the upload bucket and images from the
 * images CDN.
 *
 * @example
 * contentSecurityPolicy({ api: ["https://api.example.com"], ... }) // "default-src 'none'; script-src 'self'; ..."
 */
export function contentSecurityPolicy(sources: DashboardCspSources): string {
  return dashboardContentSecurityPolicy({
    connect: [...sources.api, sources.loginDomain, sources.userPoolApi, sources.uploads],
    images: [sources.images],
  });
}
