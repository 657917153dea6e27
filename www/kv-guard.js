// What the engine's store calls go through: a deadline on every KV operation, and bounded
// retries with backoff for writes that Workers KV refused with 429 (more than one write per
// second to one key). A store that hangs or fails then becomes a clear 503 from the engine,
// never a request that hangs.
//
// Deadlines share one timer: a setTimeout per operation (and the promise race around it) was
// 4-8 % of a checkToken. Pending operations sit in one Set with their start time; one interval,
// made when an operation is pending and none runs, rejects those past their deadline and stops
// at the first tick that finds nothing pending (stopping when the Set empties would make and
// clear a timer per operation again: a check's two reads never overlap). It ticks every tenth of
// the shortest pending deadline (10 ms..1 s): a deadline fires at most that much late, never
// early. Where a timer can be unref'd (Node, Bun: `unref()`; Deno: `Deno.unrefTimer`), it is
// while nothing is pending, so an idle interval never keeps a process alive; while an operation
// is pending it does, as the operation's own timer did (an operation hanging on nothing else
// must end in its timeout, not in the process exiting).
//
// Except on workerd: there a timer belongs to the request that set it and is cancelled when
// that request ends, so one request's interval cannot keep the deadlines of others (and a
// request waiting only on another's timer is cancelled as hung). There every operation keeps its
// own setTimeout, set in its own request.

import { MAX_BULK_KEYS as BULK_KEYS } from "./memory-kv.js";

/**
 * The guard's defaults (a deadline, 429 retries after a doubling backoff): the core's budgets count
 * on them (src/store.rs).
 */
export const STORE_LIMITS = Object.freeze({ timeoutMs: 10_000, putRetries: 3, backoffMs: 100 });
const MIN_TICK_MS = 10;
const MAX_TICK_MS = 1_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const clock = typeof performance === "object" && typeof performance?.now === "function" ? () => performance.now() : Date.now;

const timeoutError = (what, ms) => new Error(`KV ${what} timed out after ${ms} ms`);

/**
 * True where timers and work are scoped to a request (workerd): none can be shared between
 * requests, and a cancelled request's work ends with it.
 */
export const requestScopedTimers = () => globalThis.navigator?.userAgent === "Cloudflare-Workers";

const always = () => true;

// The operations in flight on the shared timer (all guards of this realm/isolate): {start, ms,
// what, reject, alive}. On workerd an operation is in no Set: it has its own `timer`.
const pending = new Set();
let interval = null;
let tickMs = Infinity;

function tick() {
  if (pending.size === 0) {
    stopInterval();
    return;
  }
  const now = clock();
  for (const op of pending) if (now - op.start >= op.ms) expire(op);
}

function expire(op) {
  if (settled(op) && op.alive()) op.reject(timeoutError(op.what, op.ms));
}

/** Ends `op`'s deadline: false if it had already ended (settled or timed out). */
function settled(op) {
  if (op.timer !== undefined) {
    if (op.timer === null) return false;
    clearTimeout(op.timer);
    op.timer = null;
    return true;
  }
  if (!pending.delete(op)) return false;
  if (pending.size === 0) holdProcess(false);
  return true;
}

/** Whether the interval keeps the process alive, where the runtime lets a timer say so. */
function holdProcess(hold) {
  if (typeof interval === "object") interval?.[hold ? "ref" : "unref"]?.();
  else globalThis.Deno?.[hold ? "refTimer" : "unrefTimer"]?.(interval);
}

function stopInterval() {
  clearInterval(interval);
  interval = null;
  tickMs = Infinity;
}

/** Makes sure an interval runs, at least as often as an operation of `ms` needs. */
function armFor(ms) {
  const wanted = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(ms / 10)));
  if (interval !== null && tickMs <= wanted) return;
  if (interval !== null) clearInterval(interval);
  tickMs = wanted;
  interval = setInterval(tick, wanted);
  // Made while something is pending: it stays ref'd (if it can be) until the Set empties.
}

/**
 * `run()`'s promise, or a timeout error if it has not settled `ms` after now. Once `alive()` is
 * false, neither its outcome nor the timeout is passed on (the fence of guardKv, here rather than
 * in a promise of its own, as this is the hot path).
 */
function withDeadline(what, { ms, alive, ownTimer }, run) {
  const promise = attempt(run);
  return new Promise((resolve, reject) => {
    const op = { start: clock(), ms, what, reject, alive, timer: /** @type {any} */ (undefined) };
    if (ownTimer) op.timer = setTimeout(() => expire(op), ms);
    else {
      if (pending.size === 0) holdProcess(true);
      pending.add(op);
      armFor(ms);
    }
    // Whichever comes first wins: a late result after the deadline is dropped, as is the
    // deadline after a result (the op is no longer pending).
    promise.then(
      (value) => settled(op) && alive() && resolve(value),
      (error) => settled(op) && alive() && reject(error),
    );
  });
}

/** `call()` as a promise, also when it throws synchronously. */
export function attempt(call) {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The values of `keys` in order, null for a missing one: one bulk get of a guarded `store`. */
export const valuesOf = (store, keys) => store.get(keys).then((found) => keys.map((key) => found.get(key) ?? null));

/** The methods of a KV binding: those the guard wraps, and a DurableObjectStore carries. */
export const KV_METHODS = ["get", "put", "delete", "list"];

/** Whether `kv` has the methods of a KV binding. */
export const isKvBinding = (kv) =>
  kv !== null && typeof kv === "object" && KV_METHODS.every((method) => typeof kv[method] === "function");

const isRateLimited = (error) => /\b429\b/.test(String(error?.message ?? error));

/**
 * The binding `kv` with deadlines and write retries. `alive()` is false once the wasm instance
 * that uses this binding has trapped: results are then dropped, because their continuations
 * live in the dead instance and would throw there. Defaults: STORE_LIMITS.
 * @typedef {{ timeoutMs?: number, putRetries?: number, backoffMs?: number }} StoreLimits
 * @param {any} kv
 * @param {StoreLimits & { alive?: () => boolean }} [options]
 */
export function guardKv(kv, { alive = always, timeoutMs, putRetries, backoffMs } = {}) {
  const limits = { ms: timeoutMs ?? STORE_LIMITS.timeoutMs, alive, ownTimer: requestScopedTimers() };
  const single = (method, args) => withDeadline(method.toUpperCase(), limits, () => kv[method](...args));

  // Once the instance is dead, the try in flight never settles, and so neither does the put.
  async function putWithRetries(args) {
    for (let retry = 0; ; retry++) {
      try {
        return await single("put", args);
      } catch (error) {
        if (!isRateLimited(error) || retry >= (putRetries ?? STORE_LIMITS.putRetries)) throw error;
        await sleep((backoffMs ?? STORE_LIMITS.backoffMs) * 2 ** retry);
      }
    }
  }

  // The one bulk-get rule of the engine's store: a `get` of an array answers a Map. Workers KV
  // does that itself, for up to 100 keys a get (each get one operation): longer arrays go in gets
  // of 100, and an empty one reads nothing. For a binding that does not, one read per key. A
  // failed bulk get fails the call: retrying key by key would only double the wait on a store
  // that hangs.
  async function oneByOne(keys) {
    const values = await Promise.all(keys.map((key) => single("get", [key])));
    return new Map(keys.map((key, i) => [key, values[i] ?? null]));
  }
  const bulkGet = (keys) => single("get", [keys]).then((found) => (found instanceof Map ? found : oneByOne(keys)));
  async function inBatches(keys) {
    const batches = [];
    for (let i = 0; i < keys.length; i += BULK_KEYS) batches.push(keys.slice(i, i + BULK_KEYS));
    const found = await Promise.all(batches.map(bulkGet));
    return new Map(found.flatMap((map) => [...map]));
  }
  // Not an async function: a check's read is the hot path, and this saves it a promise.
  const getMany = (keys) => (keys.length > 0 && keys.length <= BULK_KEYS ? bulkGet(keys) : inBatches(keys));

  return {
    get: (key, ...rest) => (Array.isArray(key) ? getMany(key) : single("get", [key, ...rest])),
    // A reading of the binding's own clock (MemoryKV's injectable one), undefined for none: JS's
    // one reader of it. Whether it is a time, and else whose clock counts, is the core's rule.
    now: () => (typeof kv.now === "function" ? kv.now() : undefined),
    put: (...args) => putWithRetries(args),
    delete: (...args) => single("delete", args),
    list: (...args) => single("list", args),
  };
}
