// invalidateToken of one token ({"token"} or {"refresh_token"}), a revoke's hot path: the core's
// steps are synchronous (src/wasm/invalidate.rs) and this function makes the store calls between
// them, with the check's reads (check.js), so no future or promise crosses the boundary. A realm
// or user is a bulk invalidation, left to the async export. A failed store call is the core's
// 503 (fail closed); a trap in a step is thrown by `call` as a 500, never taken for a store error.
import { BODY, FAILED, documentOf, read, settleAnswer, statusOf } from "./check.js";

// The first character of a step's answer (keys start with a letter, one a line); an answer is
// the check's: a success's body (BODY) or a failure's envelope after FAILED. The core's
// stepMarks().
export const LIST = 42; // "*": list this prefix, limit 1
export const PUT = 43; // "+": ttl, key, value, then the answer, one a line

/** Marks a body that is not one token (the host runs the async export). */
export const BULK = Symbol("bulk");

/**
 * The body of invalidating the one token `body` names against `store` (a guarded store), or BULK;
 * a failure throws its EdgeTokenError. `call(name, ...args)` runs a synchronous export; `options`
 * is the call's options as JSON, `fixed` and `storeNow` its clocks as checkBody takes them.
 */
export async function invalidateOne(call, store, body, options, fixed, storeNow) {
  let step = call("invalidateOneKeys", body, options);
  if (step === "") return BULK;
  let first;
  for (;;) {
    const kind = step.charCodeAt(0);
    if (kind === BODY || kind === FAILED) return settleAnswer(step);
    let result;
    let put;
    try {
      if (kind === LIST) result = await store.list({ prefix: step.slice(1), limit: 1 });
      else if (kind === PUT) {
        put = step.slice(1).split("\n", 3);
        await store.put(put[1], put[2], { expirationTtl: Number(put[0]) });
      } else result = await read(store, step);
    } catch (error) {
      step = call("invalidateOneUnavailable", error);
      continue;
    }
    if (kind === LIST) step = call("invalidateOneMissing", result);
    else if (put !== undefined) step = step.slice(put.join("\n").length + 2);
    else if (first === undefined) {
      first = result;
      step = call("invalidateOneRead", body, documentOf(first), statusOf(first), undefined, fixed, storeNow);
    } else step = call("invalidateOneRead", body, documentOf(first), statusOf(first), result, fixed, storeNow);
  }
}
