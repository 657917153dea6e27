// The Cloudflare Worker: `export default { fetch }` over the service's handler, the
// BulkInvalidation entrypoint that runs a bulk invalidation's further segments, and the
// TokenStore Durable Object of strong consistency mode, exported so that wrangler can bind it.
// The bindings and settings are wrangler.toml's (the README's table says what each is for).
import { WorkerEntrypoint } from "cloudflare:workers";
// The workerd entry instantiates the engine's .wasm (its `import ... from "*.wasm"`) at load.
import "./entry-workerd.js";
import { outcomeOf, resultOf } from "./adapters/store.js";
import { engine } from "./engine/bound.js";
import { ConfigError, readServiceConfig } from "./service/config.js";
import { serviceHandler } from "./service/handler.js";
import { toResponse } from "./service/http.js";

export { TokenStore } from "./adapters/token-store-do.js";

// workerd hands every request of an isolate the same env object, so the service (its parsed
// roles, its lazily made password hashes) is made once per env and reused.
const services = new WeakMap();

/**
 * `{handle, segmented, bulkInvalidation}` for `env`: the handler, the KV operations per bulk
 * segment (BULK_SEGMENT_OPS as the core checked it) and how a bulk invalidation goes on (the same
 * for every request); for a bad configuration, a handler that answers every request with the
 * core's 500.
 */
function serviceOf(env) {
  try {
    const config = readServiceConfig(engine, env);
    const segmented = config.bulkSegmentOps;
    return { handle: serviceHandler(engine, config), segmented, bulkInvalidation: bulkInvalidationOf(env, segmented) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`edge-token: configuration error: ${error.message}`);
    return { handle: async () => toResponse(error.reply, "application/json") };
  }
}

const serviceFor = (env) => services.get(env) ?? services.set(env, serviceOf(env)).get(env);

// Invalidating a realm or user of more tokens than one invocation's 1,000 KV operations can list
// goes on segment by segment (src/bulk_invalidation.rs), each further one in an invocation of its
// own: a call through the BULK_INVALIDATION service binding to this Worker's BulkInvalidation
// entrypoint (wrangler.toml). No route reaches an entrypoint over HTTP: a continuation never
// comes from a client.
export class BulkInvalidation extends WorkerEntrypoint {
  /** The next segment, as an outcomeOf() it: counts or `{continuation}`, or an ES error as data. */
  next(continuation) {
    const { segmented } = serviceFor(this.env);
    return outcomeOf(() => engine.continueInvalidation(this.env.TOKENS, continuation, { segmented }));
  }
}

function bulkInvalidationOf(env, segmented) {
  const binding = env.BULK_INVALIDATION;
  if (binding === undefined) return undefined;
  return { segmented, next: async (continuation) => resultOf(await binding.next(continuation)) };
}

export default {
  async fetch(request, env, ctx) {
    // Cloudflare's edge sets CF-Connecting-IP to the client's address, replacing any a client
    // sent, so the login throttle can key on it; waitUntil keeps its KV writes off the response.
    const clientAddress = request.headers.get("cf-connecting-ip") ?? undefined;
    const waitUntil = typeof ctx?.waitUntil === "function" ? (promise) => ctx.waitUntil(promise) : undefined;
    const { handle, bulkInvalidation } = serviceFor(env);
    return handle(request, { clientAddress, waitUntil, bulkInvalidation });
  },
};
