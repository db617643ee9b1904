/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Headers of every page the issuer renders: no script, no frame, nothing cached, no referrer leaving the
 * origin (the page's URL carries the request's state). The sign-in form may post to this origin only; its
 * 302 goes on to the app's callback, which Chrome and Firefox also check against `form-action`, so the
 * callback's origin is allowed too.
 */
export function pageHeaders(formTarget?: string): Record<string, string> {
  const formAction = formTarget ? `'self' ${formTarget}` : "'none'";
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    // `same-origin`, not `no-referrer`: with no-referrer a browser posts the form with `Origin: null`.
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
  };
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f4f5f7}
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 .5rem}
label,legend{font-weight:600}
input[type=text]{display:block;width:100%;margin:.25rem 0;padding:.6rem;font:inherit;border:1px solid #6b6b6b;border-radius:4px}
fieldset{border:1px solid #6b6b6b;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
fieldset label{display:block;font-weight:400;padding:.35rem 0}
form{margin:0 0 1rem}
button{width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.hint,.note{color:#4a4a4a;font-size:.9rem;margin:0}
.error{color:#a50e0e;font-weight:600}
code{overflow-wrap:anywhere}
@media (max-width:30rem){main{margin:0;border-radius:0;min-height:100vh}}`;

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageOptions {
  /** Where the form posts (the authorize endpoint's path). */
  action: string;
  /** The sealed login request. */
  request: string;
  clientId: string;
  /** The app's origin the user returns to. */
  returnTo: string;
  username: string;
  role: "customer" | "admin";
  /** Why the last attempt was refused, shown above the form. */
  error?: { field: "username" | "role"; message: string };
}

/** The sandbox's managed-login page: a user name and a role, no password, no script. */
export function loginPage(options: LoginPageOptions): string {
  const error = options.error
    ? `<p class="error" id="form-error" role="alert">${escapeHtml(options.error.message)}</p>\n`
    : "";
  const badName = options.error?.field === "username";
  const describedBy = badName ? "username-hint form-error" : "username-hint";
  const checked = (role: string) => (options.role === role ? " checked" : "");
  return document(
    "Sign in · Meridian sandbox",
    `<h1>Sign in to Meridian</h1>
<p class="note">Local sandbox sign-in: no password. Pick any user name and a role.</p>
${error}<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="request" value="${escapeHtml(options.request)}">
<p>
<label for="username">User name</label>
<input type="text" id="username" name="username" value="${escapeHtml(options.username)}" required maxlength="64" pattern="[A-Za-z0-9._@\\-]{1,64}" autocomplete="username" autocapitalize="none" spellcheck="false" aria-describedby="${describedBy}"${badName ? ' aria-invalid="true"' : ""}>
<span class="hint" id="username-hint">1 to 64 letters, digits, dots, dashes, underscores or @.</span>
</p>
<fieldset${options.error?.field === "role" ? ' aria-describedby="form-error"' : ""}>
<legend>Role</legend>
<label><input type="radio" name="role" value="customer"${checked("customer")}> Customer</label>
<label><input type="radio" name="role" value="admin"${checked("admin")}> Admin (group <code>admin</code>)</label>
</fieldset>
<button type="submit">Sign in</button>
</form>
<p class="note">App client <code>${escapeHtml(options.clientId)}</code>; you return to <code>${escapeHtml(options.returnTo)}</code>.</p>`,
  );
}

/** A page for a request that cannot be sent back to the app (unknown client, unregistered URL...). */
export function errorPage(title: string, message: string): string {
  return document(
    `${title} · Meridian sandbox`,
    `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`,
  );
}
