// The engine: the raw wasm-bindgen exports bound into the calls the package and the service
// use. Every call goes through here, so that whatever the wasm does (an ES error envelope, a
// trap, a glue TypeError) reaches the caller as a resolved body or an EdgeTokenError, never as
// a crash or a call that hangs.
import { attempt, guardKv, isKvBinding } from "../kv-guard.js";
import { checkBody } from "./check.js";
import { EdgeTokenError, internalError, settle } from "./errors.js";
import { BULK, invalidateOne } from "./invalidate.js";
import { asJson, bindRealmCalls, bindServiceCalls, pureMemo, requireString } from "./sync-calls.js";

/**
 * The `ROLES` setting as the JSON text the core parses: text as it is, an object serialised
 * (an undefined member as null, which the core reads as it reads an absent one), none as blank.
 */
function rolesText(roles) {
  if (roles === undefined || roles === null) return "";
  if (typeof roles === "string") return roles;
  return JSON.stringify(roles, (_key, value) => (value === undefined ? null : value)) ?? "null";
}

/** A call's fixed time, `options.now` (a function is read once), as given: the core checks it. */
const fixedNow = (options) => (typeof options?.now === "function" ? options.now() : options?.now);

// Without a fixed clock the core reads the binding's clock (MemoryKV's), else the platform's,
// maybe more than once (src/clock.rs). `secret` keys refreshed pairs (validated by the core,
// never repeated); `segmented` asks for a bulk invalidation in segments. The core reads null as
// absent; JSON drops undefined, and has no NaN or infinities: such a `now` goes by its name, so
// the core refuses it as it refuses a negative one (src/engine.rs).
function optionsJson(options = {}, now = fixedNow(options)) {
  const { timeout, secret, segmented } = options;
  const named = typeof now === "number" && !Number.isFinite(now) ? String(now) : now;
  return JSON.stringify({ now: named, timeout, secret, segmented });
}

function requireKv(kv) {
  if (!isKvBinding(kv)) throw new TypeError("kv must be a KV namespace binding (an object with get, put, delete and list)");
}

/**
 * Binds the engine to a wasm-bindgen glue module built with `--experimental-reset-state-function`
 * (or a fake in tests). After a trap its `__wbg_reset_state()` re-instantiates the wasm from the
 * WebAssembly.Module the glue kept from init, synchronously, so a trap costs one failed call
 * rather than the isolate: a trapped instance may hold a half-updated heap or a leaked shadow
 * stack, so it must not serve another call. `store` sets the limits of the store guard
 * (kv-guard.js).
 * @param {any} raw the glue module
 * @param {{ store?: import("../kv-guard.js").StoreLimits }} [options]
 */
export function bindGlue(raw, { store: storeLimits = {} } = {}) {
  // Traps reach this wrapper two ways: thrown by an export's synchronous part, or, inside an
  // async export after its first await, as a global uncaught error from the glue's task queue
  // (that call would never settle). The Rust panic hook reports the second kind (below).
  // `inflight` holds the rejecters of the async calls running on the current instance: after a
  // trap their futures live in a dead instance, so recover() fails them instead of letting them
  // hang. `generation` counts instances, for the core objects made in one (liveObject).
  /** @type {Set<(error: Error) => void>} */
  let inflight = new Set();
  let generation = 0;

  function reinstantiate() {
    generation++;
    // If re-instantiation fails, the old instance keeps serving and its next trap retries.
    try {
      raw.__wbg_reset_state();
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
  // The hook calls every listener under this symbol (src/wasm/panic.rs): one per bound glue.
  let reinitBeforeNextCall = false;
  const panicListeners = Symbol.for("edge-token.panic");
  globalThis[panicListeners] ??= new Set();
  globalThis[panicListeners].add(() => {
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
    // The core answers with an envelope, never by throwing one: anything thrown is a 500.
    if (err instanceof EdgeTokenError) return err;
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
      attempt(() => raw[name](...args))
        .finally(() => epoch.delete(reject))
        .then(settle, (err) => {
          throw failure(err, epoch);
        })
        .then(resolve, reject);
    });
  }

  /**
   * `target[method](...args)` on the live instance; a trap or a thrown error becomes an
   * EdgeTokenError, or with `ownErrors` only a trap does (anything else is thrown as it is).
   */
  function callOn(target, method, args, ownErrors = false) {
    replaceDeadInstance();
    const epoch = inflight;
    try {
      return target[method](...args);
    } catch (err) {
      throw ownErrors && !(err instanceof WebAssembly.RuntimeError) ? err : failure(err, epoch);
    }
  }

  /** A synchronous export's raw result; a trap or a thrown error becomes an EdgeTokenError. */
  const call = (name, ...args) => callOn(raw, name, args);

  // A role table lives in the heap of the wasm instance that parsed it. The handle given out
  // keeps the setting's text, so that a table refused by the glue after a trap replaced the
  // instance is parsed again in the live one.
  const roleTables = new WeakMap();

  /** The `ROLES` setting as a role table; throws an Error with the operator's message. */
  function parseRoles(roles) {
    const text = rolesText(roles);
    // The core's message says what is wrong with the setting; only a trap is a 500.
    const table = callOn(raw.Roles, "parse", [text], true);
    const handle = Object.freeze({ [Symbol.toStringTag]: "Roles" });
    roleTables.set(handle, { text, table });
    return handle;
  }

  /** The raw result of the live instance's copy of a role table's `method`. */
  function withTable(roles, method, ...args) {
    const held = roleTables.get(roles);
    if (held === undefined) throw new TypeError("roles must be a table made by parseRoles()");
    try {
      return callOn(held.table, method, args, true);
    } catch (err) {
      if (err instanceof EdgeTokenError) throw err;
      // Refused as a table of a replaced instance; a host bug (say, an unknown endpoint)
      // fails again below and is a 500.
      held.table = callOn(raw.Roles, "parse", [held.text]);
      return callOn(held.table, method, args);
    }
  }

  /** withTable's envelope settled (none is a success without a body). */
  function onTable(roles, method, ...args) {
    const out = withTable(roles, method, ...args);
    return out === undefined ? undefined : settle(out);
  }

  const roleKeysOf = (roles, principal) =>
    Object.freeze(JSON.parse(withTable(roles, "nativeRoleKeys", JSON.stringify(principal))));

  /** Nothing when a role of the user grants the endpoint's action; else throws the 403. */
  function authorize(roles, username, assignedRoles, endpoint) {
    requireString(username, "username");
    requireString(endpoint, "endpoint");
    onTable(roles, "authorize", username, JSON.stringify(assignedRoles ?? []), endpoint);
  }

  /**
   * authorize() for the service's caller (an _authenticate body), with ES's same-user rules on
   * `target`; `native` is the caller's stored roles as read for nativeRoleKeys (JSON), if any.
   */
  function authorizeCaller(roles, principal, endpoint, target, native) {
    requireString(endpoint, "endpoint");
    onTable(roles, "authorizeCaller", principal, endpoint, target, native);
  }

  /** A synchronous export's result, or the EdgeTokenError its envelope describes. */
  const callSync = (name, ...args) => settle(call(name, ...args));

  /**
   * Calls methods of the core object `Class.create(...settings)`, made again (empty) after a trap
   * replaced the instance. It is made once now, so that its error (bad settings) reaches the caller.
   */
  function liveObject(Class, ...settings) {
    let made = generation;
    let object = callOn(Class, "create", settings, true);
    return (method, ...args) => {
      replaceDeadInstance();
      if (made !== generation) [made, object] = [generation, callOn(Class, "create", settings)];
      return callOn(object, method, args);
    };
  }

  /**
   * The realms' cache (src/realm_cache.rs) for `{ttl, maxUsers, hashAlgo}` (env text), as its
   * methods; throws an Error with the operator's message. A trap replaces the instance and so
   * empties it.
   * @param {{ ttl?: string, maxUsers?: string, hashAlgo?: string }} [settings]
   */
  function realmCache({ ttl, maxUsers, hashAlgo } = {}) {
    const use = liveObject(raw.RealmCache, ttl, maxUsers, hashAlgo);
    const methods = ["lookup", "generation", "remember", "forget", "clear"];
    return Object.fromEntries(methods.map((name) => [name, (/** @type {any[]} */ ...args) => use(name, ...args)]));
  }

  /** The login throttle's counts and decisions (src/login_throttle.rs), as `use(method, ...args)`. */
  const loginThrottle = () => liveObject(raw.LoginThrottle);

  // A check's guard (and a one-token invalidation's) holds no state of its own: one per binding.
  const checkStores = new WeakMap();
  const checkStore = (kv) => checkStores.get(kv) ?? checkStores.set(kv, guardKv(kv, storeLimits)).get(kv);

  return {
    async createToken(kv, request, options) {
      requireKv(kv);
      return invoke("createToken", [kv, asJson(request), optionsJson(options)]);
    },
    async checkToken(kv, accessToken, options) {
      requireKv(kv);
      requireString(accessToken, "accessToken");
      // Options are checked by the core (step 1) when there are any: a check without saves the
      // parse.
      const fixed = fixedNow(options);
      const store = checkStore(kv);
      const json = options === undefined ? undefined : optionsJson(options, fixed);
      return await checkBody(call, store, accessToken, json, fixed, store.now());
    },
    async refreshToken(kv, refreshToken, client, options) {
      requireKv(kv);
      return invoke("refreshToken", [kv, requireString(refreshToken, "refreshToken"), asJson(client), optionsJson(options)]);
    },
    async invalidateToken(kv, body, options) {
      requireKv(kv);
      const text = body === undefined || body === null ? "" : asJson(body);
      const fixed = fixedNow(options);
      const json = optionsJson(options, fixed);
      // One token runs as synchronous steps (invalidate.js); a realm or user as the async export.
      const store = checkStore(kv);
      const one = await invalidateOne(call, store, text, json, fixed, store.now());
      return one === BULK ? invoke("invalidateToken", [kv, text, json]) : one;
    },
    /** The next segment of a bulk invalidation that answered `{continuation}`. */
    async continueInvalidation(kv, continuation, options) {
      requireKv(kv);
      return invoke("continueInvalidation", [kv, requireString(continuation, "continuation"), optionsJson(options)]);
    },
    parseTokenRequest(bodyText) {
      return callSync("parseTokenRequest", requireString(bodyText, "bodyText"));
    },
    parseInvalidateRequest(bodyText) {
      return callSync("parseInvalidateRequest", bodyText === undefined || bodyText === null ? "" : asJson(bodyText));
    },
    /** The settings read as a call's options are (optionsJson), checked by the core. */
    validateSettings(settings) {
      return callSync("validateSettings", optionsJson(settings));
    },
    parseRoles,
    authorize,
    authorizeCaller,
    /** GET /_security/user/_privileges for the caller (an _authenticate body). */
    userPrivileges: (roles, principal, native) => onTable(roles, "userPrivileges", JSON.stringify(principal), native),
    /** GET|POST /_security/user[/{username}]/_has_privileges for the caller; ES's 4xx thrown. */
    hasPrivileges: (roles, principal, username, body, native) =>
      onTable(roles, "hasPrivileges", JSON.stringify(principal), username, body, native),
    /** The KV keys of the caller's roles that `roles` does not define (stored roles to read). */
    nativeRoleKeys(roles, principal) {
      // The answer depends on the table and the caller's roles only (every request asks, with
      // the same few role lists): remembered per table, keyed by the roles' JSON.
      const held = roleTables.get(roles);
      if (held === undefined || principal === null || typeof principal !== "object") return roleKeysOf(roles, principal);
      held.nativeKeys ??= pureMemo(256);
      return held.nativeKeys(JSON.stringify(principal.roles) ?? "", () => roleKeysOf(roles, principal));
    },
    realmCache,
    loginThrottle,
    /**
     * The time by a guarded store's clock as the core reads it (src/clock.rs): the service's clock.
     */
    clockNow: (store) => call("clockNow", store.now()),
    /** The service's calls (www/service/): envelopes and typed values, not public API. */
    service: bindServiceCalls(raw, call),
    ...bindRealmCalls(callSync, call),
  };
}
