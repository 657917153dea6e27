// The operator console (console/, bundled by scripts/console-assets.mjs): its files at
// /_console/, public because they hold no data, and /_console/settings, the service's
// configuration at a glance for any signed-in caller. Not an Elasticsearch API (ES has no
// `_console` path; its index names cannot start with `_`), so it is answered before the core's
// route table, and switched off with CONSOLE = "false".
import { authenticateRequest } from "./authentication.js";
import { toResponse } from "./http.js";

const CONSOLE_PATH = "/_console";

// The page may run only its own files: no inline script or style, nothing framed, no form sent
// anywhere by the browser (the script handles them; a password must never leave in a URL).
const SECURITY_HEADERS = Object.freeze({
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
});
const TEXT = { "Content-Type": "text/plain; charset=utf-8" };

const respond = (body, status, headers) => new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });

export const isConsolePath = (pathname) => pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);

/** The console's answer to `request` (a path for which isConsolePath holds). */
export async function serveConsole(ctx, request, url, connection) {
  if (url.pathname === CONSOLE_PATH) return respond("", 308, { ...TEXT, Location: `${CONSOLE_PATH}/` });
  const name = url.pathname.slice(CONSOLE_PATH.length + 1);
  if (name === "settings") return settings(ctx, request, url, connection);
  const { method } = request;
  if (method !== "GET" && method !== "HEAD") return respond("Method Not Allowed\n", 405, { ...TEXT, Allow: "GET, HEAD" });
  const { assets } = await import("../../dist/console/assets.js");
  const asset = Object.hasOwn(assets, name) ? assets[/** @type {keyof typeof assets} */ (name)] : undefined;
  if (asset === undefined) return respond("Not Found\n", 404, TEXT);
  const headers = { "Content-Type": asset.type, ETag: asset.etag };
  if (request.headers.get("if-none-match") === asset.etag) return respond(null, 304, headers);
  return respond(method === "HEAD" ? null : asset.body, 200, headers);
}

/** Store mode, token lifetime, audit trail and versions; never a secret. */
async function settings(ctx, request, url, connection) {
  const caller = await authenticateRequest(ctx, request, url.pathname + url.search, connection);
  if (caller.reply) return toResponse(caller.reply, "application/json");
  const { version } = await import("../../dist/console/assets.js");
  const body = {
    store: ctx.config.store.mode,
    token_timeout: ctx.config.tokenTimeout ?? null,
    audit_trail: ctx.config.audit !== null,
    console: true,
    version,
  };
  return respond(JSON.stringify(body), 200, { "Content-Type": "application/json" });
}
