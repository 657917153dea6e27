// The Cloudflare Worker: `export default { fetch }` over createHandler, the BulkInvalidation
// entrypoint that runs a bulk invalidation's further segments, and the TokenStore Durable Object
// of strong consistency mode, exported so that wrangler can bind it. The bindings and settings
// are wrangler.toml's (the README's table says what each is for).
// The engine's .wasm reaches workerd through the workerd entry's `import ... from "*.wasm"`.
import { WorkerEntrypoint } from "cloudflare:workers";
import { createHandler } from "./entry-workerd.js";
import { outcomeOf, resultOf } from "./adapters/store.js";
import { engine } from "./engine/bound.js";
import { ConfigError } from "./service/config.js";
import { toResponse } from "./service/http.js";

export { TokenStore } from "./adapters/token-store-do.js";

// workerd hands every request of an isolate the same env object, so the handler (its parsed
// roles, its lazily made password hashes) is built once per env and reused.
const handlers = new WeakMap();

/** The handler for `env`; for a bad configuration, one that answers every request with the core's 500. */
function handlerOf(env) {
  try {
    return createHandler(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`edge-token: configuration error: ${error.message}`);
    return async () => toResponse(error.reply, "application/json");
  }
}

const handlerFor = (env) => handlers.get(env) ?? handlers.set(env, handlerOf(env)).get(env);

// Invalidating a realm or user of more tokens than one invocation's 1,000 KV operations can list
// goes on segment by segment (src/bulk_invalidation.rs), each further one in an invocation of its
// own: a call through the BULK_INVALIDATION service binding to this Worker's BulkInvalidation
// entrypoint (wrangler.toml). No route reaches an entrypoint over HTTP: a continuation never
// comes from a client. BULK_SEGMENT_OPS lowers the KV operations per segment (tests).
const segmentedOf = (env) => (env.BULK_SEGMENT_OPS ? Number(env.BULK_SEGMENT_OPS) : true);

export class BulkInvalidation extends WorkerEntrypoint {
  /** The next segment, as an outcomeOf() it: counts or `{continuation}`, or an ES error as data. */
  next(continuation) {
    return outcomeOf(() => engine.continueInvalidation(this.env.TOKENS, continuation, { segmented: segmentedOf(this.env) }));
  }
}

function bulkInvalidationOf(env) {
  const binding = env.BULK_INVALIDATION;
  if (binding === undefined) return undefined;
  return { segmented: segmentedOf(env), next: async (continuation) => resultOf(await binding.next(continuation)) };
}

export default {
  async fetch(request, env, ctx) {
    // Cloudflare's edge sets CF-Connecting-IP to the client's address, replacing any a client
    // sent, so the login throttle can key on it; waitUntil keeps its KV writes off the response.
    const clientAddress = request.headers.get("cf-connecting-ip") ?? undefined;
    const waitUntil = typeof ctx?.waitUntil === "function" ? (promise) => ctx.waitUntil(promise) : undefined;
    return handlerFor(env)(request, { clientAddress, waitUntil, bulkInvalidation: bulkInvalidationOf(env) });
  },
};
