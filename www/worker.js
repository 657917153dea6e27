// The Cloudflare Worker: `export default { fetch }` over createHandler. Bindings (see
// wrangler.toml): KV namespace TOKENS, secrets ELASTIC_PASSWORD and TOKEN_SECRET, vars
// TOKEN_TIMEOUT and ROLES; for strong consistency mode, var TOKEN_STORE = "durable_object" and
// the Durable Object binding TOKEN_DO of class TokenStore, exported here so that wrangler can
// bind it.
// The engine's .wasm reaches workerd through the workerd entry's `import ... from "*.wasm"`.
import { createHandler } from "./entry-workerd.js";
import { ConfigError } from "./service/config.js";
import { toResponse } from "./service/http.js";

export { TokenStore } from "./adapters/token-store-do.js";

// workerd hands every request of an isolate the same env object, so the handler (its parsed
// roles, its lazily made password hashes) is built once per env and reused.
const handlers = new WeakMap();

/** A handler that answers every request with the configuration problem, the core's 500. */
function misconfigured(error) {
  console.error(`edge-token: configuration error: ${error.message}`);
  return async () => toResponse(error.reply, "application/json");
}

function handlerFor(env) {
  let handle = handlers.get(env);
  if (handle === undefined) {
    try {
      handle = createHandler(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      handle = misconfigured(error);
    }
    handlers.set(env, handle);
  }
  return handle;
}

export default {
  async fetch(request, env, ctx) {
    // Cloudflare's edge sets CF-Connecting-IP to the client's address, replacing any a client
    // sent, so the login throttle can key on it; waitUntil keeps its KV writes off the response.
    const clientAddress = request.headers.get("cf-connecting-ip") ?? undefined;
    const waitUntil = typeof ctx?.waitUntil === "function" ? (promise) => ctx.waitUntil(promise) : undefined;
    return handlerFor(env)(request, { clientAddress, waitUntil });
  },
};
