// What the engine's store calls go through: a deadline on every KV operation, and bounded
// retries with backoff for writes that Workers KV refused with 429 (more than one write per
// second to one key). A store that hangs or fails then becomes a clear 503 from the engine,
// never a request that hangs.

export const STORE_DEFAULTS = Object.freeze({
  timeoutMs: 10_000,
  putRetries: 3,
  backoffMs: 100,
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with a timeout error unless `promise` settles within `ms`. */
function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`KV ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** `call()` as a promise, also when it throws synchronously. */
function attempt(call) {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

const isRateLimited = (error) => /\b429\b/.test(String(error?.message ?? error));

/**
 * The binding `kv` with deadlines and write retries. `alive()` is false once the wasm instance
 * that uses this binding has trapped: results are then dropped, because their continuations
 * live in the dead instance and would throw there.
 */
export function guardKv(kv, { alive = () => true, timeoutMs, putRetries, backoffMs } = {}) {
  const limits = {
    timeoutMs: timeoutMs ?? STORE_DEFAULTS.timeoutMs,
    putRetries: putRetries ?? STORE_DEFAULTS.putRetries,
    backoffMs: backoffMs ?? STORE_DEFAULTS.backoffMs,
  };
  const once = (method, args) => withDeadline(attempt(() => kv[method](...args)), limits.timeoutMs, method.toUpperCase());

  async function putWithRetries(args) {
    for (let retry = 0; ; retry++) {
      try {
        return await once("put", args);
      } catch (error) {
        if (!isRateLimited(error) || retry >= limits.putRetries) throw error;
        await sleep(limits.backoffMs * 2 ** retry);
      }
    }
  }

  const fenced = (promise) =>
    new Promise((resolve, reject) => {
      promise.then((v) => alive() && resolve(v), (e) => alive() && reject(e));
    });

  return {
    get: (...args) => fenced(once("get", args)),
    put: (...args) => fenced(putWithRetries(args)),
    delete: (...args) => fenced(once("delete", args)),
    list: (...args) => fenced(once("list", args)),
  };
}
