// The console's calls to the service: one fetch per API call, with the session's credentials.

/** The signed-in session: its tokens (in this variable only) and what its user may do. */
/** @type {{token: string|null, refresh: string|null, timer: any, can: Record<string, boolean>}} */
export const session = { token: null, refresh: null, timer: undefined, can: {} };

/** base64 of the UTF-8 bytes (btoa alone takes Latin-1 only). */
const base64 = (/** @type {string} */ text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/**
 * One API call: `{ok, status, data, challenge}`; `auth` is `{basic: [user, password]}`,
 * `{bearer: token}` or, by default, the session's token.
 * @param {string} method @param {string} path @param {unknown} [body] @param {any} [auth]
 */
export async function call(method, path, body, auth = { bearer: session.token }) {
  const headers = /** @type {Record<string, string>} */ ({ Accept: "application/json" });
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth.basic) headers.Authorization = `Basic ${base64(auth.basic.join(":"))}`;
  else if (auth.bearer) headers.Authorization = `Bearer ${auth.bearer}`;
  const init = { method, headers, credentials: /** @type {const} */ ("omit"), cache: /** @type {const} */ ("no-store") };
  const response = await fetch(path, body === undefined ? init : { ...init, body: JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, data, challenge: response.headers.get("WWW-Authenticate") };
}

/** ES's reason for a failed call (the root cause's when there is one). */
export function reasonOf(/** @type {any} */ result) {
  const error = result.data?.error;
  if (typeof error === "string") return error;
  return error?.root_cause?.[0]?.reason ?? error?.reason ?? `HTTP ${result.status}`;
}
