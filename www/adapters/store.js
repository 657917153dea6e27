// Which store the service runs on, chosen by config (read and checked by the core,
// src/service_settings.rs; the bindings are checked here):
//   TOKEN_STORE = "kv" (default)      env.TOKENS, a Workers KV namespace: fast reads everywhere,
//                                     eventually consistent (up to 60 s between locations).
//   TOKEN_STORE = "durable_object"    one Durable Object (binding TOKEN_DO, class TokenStore,
//                                     instance name TOKEN_DO_NAME or "edge-token"): every
//                                     invalidation is visible everywhere at once.
//
// In Durable Object mode the engine runs *inside* the object, one whole call at a time, rather
// than here with each KV operation forwarded:
// - correct: a call is a read-modify-write of one token document (invalidate flips a flag,
//   refresh stamps refresh_time). Forwarded one operation at a time, two concurrent calls
//   interleave between their read and their write and one update is lost (an invalidation that
//   answered "1 invalidated" silently undone by a concurrent refresh). Serialised whole calls
//   cannot interleave.
// - cheapest: one round trip per call instead of one per KV operation (a check is 2, a refresh
//   6, invalidating a realm of 10,000 tokens 14), and only the request and the answer cross.
// The binding resolveStore() returns is still KV-shaped (each method one round trip) for code
// that keeps its own keys in the namespace, such as the service's native-realm users.
import { EdgeTokenError, settle } from "../engine/errors.js";
import { isKvBinding } from "../kv-guard.js";

/**
 * An engine call's result as data that crosses to a Durable Object or another Worker and back:
 * `{ok: result}`, or `{error: {status, body, headers}}` for an EdgeTokenError.
 */
export async function outcomeOf(call) {
  try {
    return { ok: await call() };
  } catch (error) {
    if (!(error instanceof EdgeTokenError)) throw error;
    return { error: { status: error.status, body: error.body, headers: error.headers } };
  }
}

/** The result an outcomeOf() carried, or its EdgeTokenError thrown again. */
export function resultOf({ ok, error }) {
  if (error) throw new EdgeTokenError(error.status, error.body, error.headers ?? {});
  return ok;
}

/** A KV-shaped binding whose every operation, and every engine call, runs in the TokenStore object. */
export class DurableObjectStore {
  #namespace;
  #id;

  constructor(namespace, name) {
    this.#namespace = namespace;
    this.#id = namespace.idFromName(name);
  }

  // A stub belongs to the request that made it (workerd refuses I/O through it from another
  // request), so each call makes its own; that is cheap, the id is what is kept.
  #stub() {
    return this.#namespace.get(this.#id);
  }

  get = (key, type) => this.#stub().kv("get", [key, type]);
  put = (key, value, options) => this.#stub().kv("put", [key, value, options]);
  delete = (key) => this.#stub().kv("delete", [key]);
  list = (options) => this.#stub().kv("list", [options]);

  /** One engine call, run in the object (forwardEngineCalls): an outcomeOf() the call. */
  engineCall(name, args) {
    return this.#stub().call(name, args);
  }
}

const bindings = new WeakMap();

/**
 * The KV-shaped store for `env` in the mode the core read from it (`{mode, name}`, the checked
 * TOKEN_STORE and TOKEN_DO_NAME): env.TOKENS, or a DurableObjectStore, one per env object, which
 * workerd reuses for every request of an isolate. The mode's binding is the platform's to check:
 * a bad one throws `Problem` (config.js passes its ConfigError, which imports this module).
 */
export function resolveStore(env, { mode, name }, Problem = /** @type {new (message: string) => Error} */ (Error)) {
  if (mode === "durable_object") {
    const namespace = env.TOKEN_DO;
    if (typeof namespace?.idFromName !== "function" || typeof namespace?.get !== "function") {
      throw new Problem('TOKEN_STORE = "durable_object" needs a Durable Object binding TOKEN_DO (class TokenStore)');
    }
    return bindings.get(env) ?? bindings.set(env, new DurableObjectStore(namespace, name)).get(env);
  }
  if (!isKvBinding(env.TOKENS)) throw new Problem("env.TOKENS must be a KV namespace binding (get, put, delete, list)");
  return env.TOKENS;
}

/** The engine calls a TokenStore runs, each with where its options argument sits, after the store. */
export const ENGINE_CALLS = { createToken: 1, checkToken: 1, refreshToken: 2, invalidateToken: 1 };

/**
 * The engine API with its four store calls forwarded whole when their store is a
 * DurableObjectStore; anything else goes to `engine` unchanged. Results and EdgeTokenErrors are
 * the same as the local call's.
 */
export function forwardEngineCalls(engine) {
  const forwarded = { ...engine };
  for (const [name, at] of Object.entries(ENGINE_CALLS)) {
    forwarded[name] = async (kv, ...args) => {
      if (!(kv instanceof DurableObjectStore)) return engine[name](kv, ...args);
      // A clock function cannot cross; its reading can. Without one the object's own clock
      // is used, so that time follows the order in which the object runs the calls.
      const options = args[at];
      if (typeof options?.now === "function") args[at] = { ...options, now: options.now() };
      let outcome;
      try {
        outcome = await kv.engineCall(name, args);
      } catch (/** @type {any} */ error) {
        // The object rejects bad arguments as the local API does; anything else is the store failing.
        if (error instanceof TypeError) throw error;
        settle(engine.service.restError("StoreUnavailable", `the token store Durable Object failed: ${error?.message ?? error}`));
      }
      return resultOf(outcome);
    };
  }
  return forwarded;
}
