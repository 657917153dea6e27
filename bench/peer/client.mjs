// The OAuth client side of the peer benchmark: a confidential client gets tokens through the
// authorization-code flow (/authorize, then the code at the token endpoint) and revokes them
// (RFC 7009, at the token endpoint). `fetchLike(request)` is `fetch` for a server, or the
// Worker's own fetch in process.

export const REDIRECT_URI = "http://127.0.0.1/callback";
/** A request with this header set to 1 gets the KV operations it caused back in it. */
export const COUNT_HEADER = "x-count-kv-ops";

const form = (fields) => new URLSearchParams(fields).toString();
const basicAuth = (client) => `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`;

async function ok(response, what) {
  if (response.ok) return response;
  throw new Error(`peer ${what}: ${response.status} ${await response.text()}`);
}

/** Creates the confidential client every request of the bench uses. */
export async function createClient(fetchLike, base) {
  return (await ok(await fetchLike(new Request(`${base}/bench/client`, { method: "POST" })), "client")).json();
}

/** One access/refresh token pair for `username`: authorize, then exchange the code. */
export async function issueToken(fetchLike, base, client, username = "bench_user") {
  const query = form({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: "read",
    state: "bench",
    login_hint: username,
  });
  const authorized = await fetchLike(new Request(`${base}/authorize?${query}`, { redirect: "manual" }));
  const location = authorized.headers.get("location");
  const code = location && new URL(location).searchParams.get("code");
  if (!code) throw new Error(`peer authorize: ${authorized.status} ${await authorized.text()}`);
  const exchanged = await fetchLike(
    new Request(`${base}/oauth/token`, {
      method: "POST",
      headers: { authorization: basicAuth(client), "content-type": "application/x-www-form-urlencoded" },
      body: form({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }),
    }),
  );
  return (await ok(exchanged, "code exchange")).json();
}

/** The request that revokes one token (RFC 7009), as the load run sends it. */
export function revokeRequest(client, token) {
  return {
    method: "POST",
    path: "/oauth/token",
    headers: { authorization: basicAuth(client), "content-type": "application/x-www-form-urlencoded" },
    body: form({ token }),
  };
}

/** The API request, the bearer token validated by the provider. */
export const apiRequest = (token) => ({ method: "GET", path: "/api/whoami", headers: { authorization: `Bearer ${token}` } });

/** Sends `req` ({method, path, headers, body}) with the KV counter on: {status, text, ops}. */
export async function countedRequest(fetchLike, base, req) {
  const response = await fetchLike(
    new Request(base + req.path, { method: req.method, headers: { ...req.headers, [COUNT_HEADER]: "1" }, body: req.body }),
  );
  return { status: response.status, text: await response.text(), ops: response.headers.get(COUNT_HEADER) };
}
