// The public JavaScript API over the raw wasm-bindgen exports. The Rust core answers every call
// with a JSON envelope {"status","headers","body"} so that success and ES-shaped failures cross
// the wasm boundary the same way; this module turns envelopes into resolved bodies or
// EdgeTokenErrors, and turns anything else (a trap, a glue TypeError) into an ES-shaped 500.
import { MemoryKV } from "./memory-kv.js";
import { guardKv } from "./kv-guard.js";

export { MemoryKV };

export class EdgeTokenError extends Error {
  constructor(status, body, headers = {}, options) {
    super(messageOf(body, status), options);
    this.name = "EdgeTokenError";
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

// ES's messages never echo credentials, and this module adds none of its own (it never puts an
// argument into a message), so error messages are safe to log.
function messageOf(body, status) {
  const error = body?.error;
  if (typeof error?.reason === "string") return error.reason;
  if (typeof body?.error_description === "string") return body.error_description;
  if (typeof error === "string") return error;
  return JSON.stringify(body) ?? `status ${status}`;
}

const INTERNAL_REASON = "internal error";

function internalError(cause) {
  const rootCause = { type: "exception", reason: INTERNAL_REASON };
  const body = { error: { root_cause: [rootCause], type: "exception", reason: INTERNAL_REASON }, status: 500 };
  return new EdgeTokenError(500, body, {}, cause === undefined ? undefined : { cause });
}

/** The envelope in `value` (a JSON string or an already parsed object), or null. */
function asEnvelope(value) {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const ok =
    parsed !== null &&
    typeof parsed === "object" &&
    Number.isInteger(parsed.status) &&
    "body" in parsed &&
    (parsed.headers === undefined || (parsed.headers !== null && typeof parsed.headers === "object"));
  return ok ? parsed : null;
}

/** The body of a success envelope; throws EdgeTokenError for failures and non-envelopes. */
function settle(value) {
  const envelope = asEnvelope(value);
  if (envelope === null) throw internalError();
  if (envelope.status < 400) return envelope.body;
  throw new EdgeTokenError(envelope.status, envelope.body, envelope.headers ?? {});
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

const PANIC_LISTENERS = Symbol.for("edge-token.panic");

/** Registers `listener` with the panic hook of every edge-token wasm instance in this realm. */
function onPanic(listener) {
  globalThis[PANIC_LISTENERS] ??= new Set();
  globalThis[PANIC_LISTENERS].add(listener);
}

/**
 * Values of `keys` in one bulk get where the binding has it (Workers KV answers an array with a
 * Map), else one by one. A failed bulk get fails the call: retrying key by key would only
 * double the wait on a store that hangs.
 */
async function bulkGet(store, keys) {
  const found = await store.get(keys);
  if (found instanceof Map) return keys.map((key) => found.get(key) ?? null);
  return Promise.all(keys.map(async (key) => (await store.get(key)) ?? null));
}

/**
 * Binds the public API to a raw export object (the wasm-bindgen glue module, or a fake in tests).
 * `reinit` replaces the wasm instance after a trap: a trapped instance may hold a half-updated
 * heap or a leaked shadow stack, so it must not serve another call.
 */
export function bindApi(raw, { reinit, store: storeLimits = {} } = {}) {
  // Traps reach this wrapper two ways: thrown by an export's synchronous part, or, inside an
  // async export after its first await, as a global uncaught error from the glue's task queue
  // (that call would never settle). The Rust panic hook reports the second kind (onPanic below).
  // `inflight` holds the rejecters of the async calls running on the current instance: after a
  // trap their futures live in a dead instance, so recover() fails them instead of letting them
  // hang.
  let inflight = new Set();

  function recover(cause, { reinstantiate = true } = {}) {
    const dead = inflight;
    inflight = new Set();
    for (const reject of dead) reject(internalError(cause));
    if (!reinstantiate) return;
    // If re-instantiation fails, the old instance keeps serving and its next trap retries.
    try {
      reinit?.();
    } catch {}
  }

  // The Rust panic hook reports a panic (wherever it happens, also after an await) just before
  // the instance traps. The calls in flight are failed with a 500 so that none of them hangs,
  // and the instance is replaced before the next call: not from inside the hook (the dying
  // instance is still on the stack), and not left to the glue's own guard, which runs only
  // after the arguments were copied with the dead instance's allocator.
  let reinitBeforeNextCall = false;
  onPanic(() => {
    recover(new Error("the wasm instance panicked"), { reinstantiate: false });
    reinitBeforeNextCall = true;
  });
  function replaceDeadInstance() {
    if (!reinitBeforeNextCall) return;
    reinitBeforeNextCall = false;
    try {
      reinit?.();
    } catch {}
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

  async function createToken(kv, request, options) {
    requireKv(kv);
    return invoke("createToken", [kv, asJson(request), optionsJson(kv, options)]);
  }

  // The hot path. The engine's check is three synchronous steps (checkTokenKey,
  // checkTokenDocument, checkTokenStatus) and this function does the two KV reads between
  // them, so a check crosses the boundary as three plain calls: no future, no promise, no
  // binding lookups in wasm. A failed read is a 503 from the engine (fail closed).
  async function checkToken(kv, accessToken, options) {
    requireKv(kv);
    requireString(accessToken, "accessToken");
    const now = nowOf(kv, options);
    const store = guardKv(kv, storeLimits);
    const unavailable = (error) => settle(callRaw("checkTokenUnavailable", String(error?.message ?? error)));
    const key = callRaw("checkTokenKey", accessToken);
    let document;
    if (key !== undefined) {
      try {
        document = (await store.get(key)) ?? undefined;
      } catch (error) {
        return unavailable(error);
      }
    }
    // Either the answer (an envelope, JSON) or a handle and the keys of the second read.
    const step = callRaw("checkTokenDocument", accessToken, document, now);
    if (step.startsWith("{")) return settle(step);
    const [handle, ...keys] = step.split("\n");
    let values;
    try {
      values = await bulkGet(store, keys);
    } catch (error) {
      return unavailable(error);
    }
    // One value a line, "" for a missing key (no stored value is empty).
    const lines = values.map((value) => value ?? "").join("\n");
    const answer = callRaw("checkTokenStatus", accessToken, Number(handle), lines);
    return settle(answer ?? callRaw("checkTokenStatusAgain", accessToken, document, lines, now));
  }

  async function refreshToken(kv, refreshToken, client, options) {
    requireKv(kv);
    requireString(refreshToken, "refreshToken");
    return invoke("refreshToken", [kv, refreshToken, asJson(client), optionsJson(kv, options)]);
  }

  async function invalidateToken(kv, body, options) {
    requireKv(kv);
    const text = body === undefined || body === null ? "" : asJson(body);
    return invoke("invalidateToken", [kv, text, optionsJson(kv, options)]);
  }

  /** A synchronous export's raw result; a trap or a thrown error becomes an EdgeTokenError. */
  function callRaw(name, ...args) {
    replaceDeadInstance();
    const epoch = inflight;
    try {
      return raw[name](...args);
    } catch (err) {
      throw failure(err, epoch);
    }
  }

  /** A synchronous export's result, or the EdgeTokenError its envelope describes. */
  function callSync(name, ...args) {
    return settle(callRaw(name, ...args));
  }

  function parseTokenRequest(bodyText) {
    requireString(bodyText, "bodyText");
    return callSync("parseTokenRequest", bodyText);
  }

  function parseInvalidateRequest(bodyText) {
    return callSync("parseInvalidateRequest", bodyText === undefined || bodyText === null ? "" : asJson(bodyText));
  }

  function validateSettings(settings = {}) {
    return callSync("validateSettings", JSON.stringify({ timeout: settings.timeout ?? undefined }));
  }

  // The native realm (src/wasm_users.rs): every rule in the core, the host doing the KV reads
  // and writes and the password crypto between these synchronous calls. ES's 4xx answers (and
  // GET user's 404) throw EdgeTokenError like every other call.
  const nullable = (value) => (value === undefined || value === null ? undefined : value);
  const realm = {
    userKey(username) {
      requireString(username, "username");
      return callRaw("userKey", username);
    },
    describePasswordHash(hash) {
      requireString(hash, "hash");
      return callSync("describePasswordHash", hash);
    },
    newPasswordHashFormat: () => callSync("newPasswordHashFormat"),
    parsePutUser(username, bodyText) {
      requireString(username, "username");
      requireString(bodyText, "bodyText");
      return callSync("parsePutUser", username, bodyText);
    },
    checkPutUser: (request) => callSync("checkPutUser", asJson(request)),
    putUserRecord: (request, passwordHash, existingRecord) =>
      callSync("putUserRecord", asJson(request), nullable(passwordHash), nullable(existingRecord)),
    checkDeleteUser(username) {
      requireString(username, "username");
      return callSync("checkDeleteUser", username);
    },
    userLookup: (usernames) => callSync("userLookup", nullable(usernames)),
    userViews: (usernames, values) => callSync("userViews", nullable(usernames), JSON.stringify(values)),
    loginPlan(username) {
      requireString(username, "username");
      return callSync("loginPlan", username);
    },
    loginUser(username, record, reservedEnabled) {
      requireString(username, "username");
      return callSync("loginUser", username, nullable(record), Boolean(reservedEnabled));
    },
  };

  return {
    createToken,
    checkToken,
    refreshToken,
    invalidateToken,
    parseTokenRequest,
    parseInvalidateRequest,
    validateSettings,
    ...realm,
  };
}

/**
 * Binds the API to a wasm-bindgen glue module built with `--experimental-reset-state-function`:
 * its `__wbg_reset_state()` re-instantiates the wasm from the WebAssembly.Module the glue kept
 * from init, synchronously, so a trap costs one failed call rather than the isolate.
 */
export function bindGlue(glue, { store } = {}) {
  return bindApi(glue, { reinit: () => glue.__wbg_reset_state(), store });
}
