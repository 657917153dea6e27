// The engine: the raw wasm-bindgen exports bound into the calls the package and the service
// use. Every call goes through here, so that whatever the wasm does (an ES error envelope, a
// trap, a glue TypeError) reaches the caller as a resolved body or an EdgeTokenError, never as
// a crash or a call that hangs.
import { guardKv } from "../kv-guard.js";
import { checkEnvelope } from "./check.js";
import { EdgeTokenError, asEnvelope, internalError, settle } from "./errors.js";

const PANIC_LISTENERS = Symbol.for("edge-token.panic");

/** Registers `listener` with the panic hook of every edge-token wasm instance in this realm. */
function onPanic(listener) {
  globalThis[PANIC_LISTENERS] ??= new Set();
  globalThis[PANIC_LISTENERS].add(listener);
}

function nowOf(kv, options = {}) {
  let now = options.now;
  if (typeof now === "function") now = now();
  if (now === undefined || now === null) now = typeof kv.now === "function" ? kv.now() : Date.now();
  if (!Number.isFinite(now)) throw new TypeError("options.now must be a finite number of epoch milliseconds");
  return now;
}

function optionsJson(kv, options = {}) {
  const out = { now: nowOf(kv, options) };
  if (options.timeout !== undefined && options.timeout !== null) out.timeout = options.timeout;
  // The key of refreshed pairs; the core validates it and never repeats it.
  if (options.secret !== undefined && options.secret !== null) out.secret = options.secret;
  return JSON.stringify(out);
}

function requireKv(kv) {
  if (kv === null || typeof kv !== "object" || typeof kv.get !== "function" || typeof kv.put !== "function") {
    throw new TypeError("kv must be a KV namespace binding (an object with get, put, delete and list)");
  }
}

function requireString(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, got ${typeof value}`);
}

const asJson = (value) => (typeof value === "string" ? value : JSON.stringify(value ?? null));

/**
 * Binds the engine to a raw export object (the wasm-bindgen glue module, or a fake in tests).
 * `reinit` replaces the wasm instance after a trap: a trapped instance may hold a half-updated
 * heap or a leaked shadow stack, so it must not serve another call. `store` sets the limits of
 * the store guard (kv-guard.js).
 */
export function bindEngine(raw, { reinit, store: storeLimits = {} } = {}) {
  // Traps reach this wrapper two ways: thrown by an export's synchronous part, or, inside an
  // async export after its first await, as a global uncaught error from the glue's task queue
  // (that call would never settle). The Rust panic hook reports the second kind (onPanic below).
  // `inflight` holds the rejecters of the async calls running on the current instance: after a
  // trap their futures live in a dead instance, so recover() fails them instead of letting them
  // hang. `generation` counts instances, so that a check's step object of a dead one is not used.
  let inflight = new Set();
  let generation = 0;

  function reinstantiate() {
    generation++;
    // If re-instantiation fails, the old instance keeps serving and its next trap retries.
    try {
      reinit?.();
    } catch {}
  }

  function recover(cause, { now = true } = {}) {
    const dead = inflight;
    inflight = new Set();
    for (const reject of dead) reject(internalError(cause));
    if (now) reinstantiate();
  }

  // The panic hook reports a panic (wherever it happens, also after an await) just before the
  // instance traps. The calls in flight fail with a 500, and the instance is replaced before the
  // next call: not from inside the hook (the dying instance is still on the stack), and not left
  // to the glue's own guard, which runs only after the arguments were copied with the dead
  // instance's allocator.
  let reinitBeforeNextCall = false;
  onPanic(() => {
    recover(new Error("the wasm instance panicked"), { now: false });
    reinitBeforeNextCall = true;
  });
  function replaceDeadInstance() {
    if (!reinitBeforeNextCall) return;
    reinitBeforeNextCall = false;
    reinstantiate();
  }

  /** Maps a failed call to the error to reject with; `epoch` is the inflight set it ran under. */
  function failure(err, epoch) {
    if (err instanceof EdgeTokenError) return err;
    const envelope = asEnvelope(err);
    if (envelope !== null) {
      try {
        settle(envelope);
      } catch (e) {
        return e;
      }
      return internalError(); // a success envelope is not a valid rejection value
    }
    // Only a trap in the current instance triggers a reset; a late one from an instance that
    // was already replaced must not tear down the fresh one.
    if (err instanceof WebAssembly.RuntimeError && epoch === inflight) recover(err);
    return internalError(err);
  }

  /** An async export whose first argument is the store, settled into a body or an error. */
  function invoke(name, args) {
    replaceDeadInstance();
    const epoch = inflight;
    // Deadlines and 429 retries for the store; and once this call's instance has trapped, the
    // binding's late results are dropped instead of calling back into the dead instance.
    args[0] = guardKv(args[0], { ...storeLimits, alive: () => epoch === inflight });
    return new Promise((resolve, reject) => {
      epoch.add(reject);
      const done = () => epoch.delete(reject);
      let pending;
      try {
        pending = Promise.resolve(raw[name](...args));
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (value) => {
          done();
          try {
            resolve(settle(value));
          } catch (e) {
            reject(e);
          }
        },
        (err) => {
          done();
          reject(failure(err, epoch));
        },
      );
    });
  }

  /** A synchronous export's raw result; a trap or a thrown error becomes an EdgeTokenError. */
  function call(name, ...args) {
    replaceDeadInstance();
    const epoch = inflight;
    try {
      return raw[name](...args);
    } catch (err) {
      throw failure(err, epoch);
    }
  }

  /** A synchronous export's result, or the EdgeTokenError its envelope describes. */
  const callSync = (name, ...args) => settle(call(name, ...args));

  return {
    async createToken(kv, request, options) {
      requireKv(kv);
      return invoke("createToken", [kv, asJson(request), optionsJson(kv, options)]);
    },
    async checkToken(kv, accessToken, options) {
      requireKv(kv);
      requireString(accessToken, "accessToken");
      const now = nowOf(kv, options);
      return settle(await checkEnvelope(call, () => generation, guardKv(kv, storeLimits), accessToken, now));
    },
    async refreshToken(kv, refreshToken, client, options) {
      requireKv(kv);
      requireString(refreshToken, "refreshToken");
      return invoke("refreshToken", [kv, refreshToken, asJson(client), optionsJson(kv, options)]);
    },
    async invalidateToken(kv, body, options) {
      requireKv(kv);
      const text = body === undefined || body === null ? "" : asJson(body);
      return invoke("invalidateToken", [kv, text, optionsJson(kv, options)]);
    },
    parseTokenRequest(bodyText) {
      requireString(bodyText, "bodyText");
      return callSync("parseTokenRequest", bodyText);
    },
    parseInvalidateRequest(bodyText) {
      return callSync("parseInvalidateRequest", bodyText === undefined || bodyText === null ? "" : asJson(bodyText));
    },
    validateSettings(settings = {}) {
      return callSync(
        "validateSettings",
        JSON.stringify({ timeout: settings.timeout ?? undefined, secret: settings.secret ?? undefined }),
      );
    },
    /** The service's calls (www/service/): envelopes and typed values, not public API. */
    service: bindServiceCalls(raw, call),
  };
}

/** What the HTTP service asks the core (src/wasm/service.rs), through the same trap guard. */
function bindServiceCalls(raw, call) {
  return {
    maxBodyBytes: () => call("maxBodyBytes"),
    /** undefined, or the 413/400 envelope for a body that may not be read. */
    checkBody: (bytes) => call("checkBody", bytes),
    /** The envelope of a REST-layer error: `kind` is a name of the core's RestError enum. */
    restError: (kind, ...args) => call("restError", raw.RestError[kind], args.map(String)),
    /** `{username, password}`, `{token}`, `{failure}` (a 401 envelope) or `{}` for none. */
    readAuthorization(header) {
      const read = call("readAuthorization", header);
      const out = { failure: read.failure, token: read.token, username: read.username, password: read.password };
      read.free();
      return out;
    },
  };
}

/**
 * Binds the engine to a wasm-bindgen glue module built with `--experimental-reset-state-function`:
 * its `__wbg_reset_state()` re-instantiates the wasm from the WebAssembly.Module the glue kept
 * from init, synchronously, so a trap costs one failed call rather than the isolate.
 */
export function bindGlue(glue, { store } = {}) {
  return bindEngine(glue, { reinit: () => glue.__wbg_reset_state(), store });
}
