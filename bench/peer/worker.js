// The peer for the side-by-side benchmark: Cloudflare's @cloudflare/workers-oauth-provider used
// the way its README shows for one Worker (`OAuthProvider`): the provider owns the token
// endpoint (code exchange, refresh, RFC 7009 revocation), an API handler sees requests whose
// bearer token the provider validated, and a default handler is the application's /authorize.
// Bench-only parts, not the provider's: the default handler signs every /authorize request in
// as the user it names (no login page), POST /bench/client creates a confidential client with
// the provider's own helper, and a request carrying `x-count-kv-ops: 1` runs on a counting
// wrapper around OAUTH_KV and gets its count back in that header (requests without it, such as
// every request of a load run, reach the provider with the binding untouched).
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { countingKv } from "../counting-kv.mjs";
import { COUNT_HEADER, REDIRECT_URI } from "./client.mjs";

/** The API: who the validated token belongs to, like `_authenticate` answers. */
const apiHandler = {
  fetch(_request, _env, ctx) {
    return Response.json({ username: ctx.props.username, scope: ctx.auth.scope });
  },
};

const defaultHandler = {
  async fetch(request, env) {
    const url = new URL(request.url);
    const oauth = env.OAUTH_PROVIDER;
    if (url.pathname === "/authorize") {
      const authRequest = await oauth.parseAuthRequest(request);
      const username = url.searchParams.get("login_hint") || "bench_user";
      const { redirectTo } = await oauth.completeAuthorization({
        request: authRequest,
        userId: encodeURIComponent(username),
        metadata: {},
        scope: authRequest.scope,
        props: { username },
        revokeExistingGrants: false, // many tokens of one user, as the other side has
      });
      return Response.redirect(redirectTo, 302);
    }
    if (url.pathname === "/bench/client" && request.method === "POST") {
      const client = await oauth.createClient({
        redirectUris: [REDIRECT_URI],
        tokenEndpointAuthMethod: "client_secret_basic",
        grantTypes: ["authorization_code", "refresh_token"],
      });
      return Response.json({ client_id: client.clientId, client_secret: client.clientSecret });
    }
    // Shaped like an error of the other side's, so that the bench's start-up probe knows it.
    return Response.json({ error: { type: "not_found", reason: url.pathname } }, { status: 404 });
  },
};

// The resource is this Worker's own origin, known at the first request (wrangler dev picks the port).
const providers = new Map();
function providerFor(origin) {
  let provider = providers.get(origin);
  if (!provider) {
    provider = new OAuthProvider({
      apiRoute: "/api/",
      apiHandler,
      defaultHandler,
      authorizeEndpoint: "/authorize",
      tokenEndpoint: "/oauth/token",
      scopesSupported: ["read"],
      resourceMetadata: { resource: `${origin}/api/`, authorization_servers: [origin] },
    });
    providers.set(origin, provider);
  }
  return provider;
}

export default {
  async fetch(request, env, ctx) {
    const provider = providerFor(new URL(request.url).origin);
    if (request.headers.get(COUNT_HEADER) !== "1") return provider.fetch(request, env, ctx);
    const counter = countingKv(env.OAUTH_KV);
    const answer = await provider.fetch(request, { ...env, OAUTH_KV: counter.kv }, ctx);
    const response = new Response(answer.body, answer);
    response.headers.set(COUNT_HEADER, counter.describe());
    return response;
  },
};
