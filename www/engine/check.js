// checkToken, the hot path. The core's check is stateless synchronous steps (src/wasm/check.rs)
// and this function does the store reads between them, so a check crosses the boundary as
// plain calls: no future, no promise, no binding lookups in wasm. A token with its owner's tag
// takes one read; an older one, or one whose tag does not name its owner, two. A failed read is
// the core's 503 (fail closed). invalidate.js makes its reads with these functions too.
import { valuesOf } from "../kv-guard.js";
import { internalError, settle } from "./errors.js";

const encoder = new TextEncoder();
// The document's bytes are written here, not into a new array per check (the glue copies them
// into wasm memory at once); a document that does not fit gets an array of its own.
const scratch = new Uint8Array(8192);

/** The first read's document as UTF-8: a view of `scratch`, valid until the next await. */
export function documentOf(first) {
  const text = first[0];
  if (typeof text !== "string") return undefined;
  const { read, written } = encoder.encodeInto(text, scratch);
  return read === text.length ? scratch.subarray(0, written) : encoder.encode(text);
}

/**
 * The first read's values after the document's, or undefined when none was found (the common
 * case: nothing invalidated), which the core then reads as all missing without a value crossing.
 */
export function statusOf(first) {
  for (let i = 1; i < first.length; i++) if (first[i] !== null) return first.slice(1);
  return undefined;
}

/** The values of `lines` (keys, one a line) as one read: a get for one key, else a bulk get. */
export function read(store, lines) {
  const keys = lines.split("\n");
  if (keys.length === 1) return store.get(keys[0]).then((value) => [value ?? null]);
  return valuesOf(store, keys);
}

// The core's answer to a check (src/check.rs outcome_answer): a valid token's _authenticate body
// as it is, or this mark and the reply envelope; a step 2 that needs a second read answers its
// keys instead, which start with a letter. A one-token invalidation's steps answer alike.
export const BODY = 123; // "{"
export const FAILED = 33; // "!"

/** The body of the core's answer; throws the EdgeTokenError of a failure's envelope. */
export function settleAnswer(answer) {
  if (answer.charCodeAt(0) === FAILED) return settle(answer.slice(1));
  try {
    return JSON.parse(answer);
  } catch {
    throw internalError();
  }
}

/** The core's 503 for a failed read (fail closed). @param {any} error */
const unavailable = (call, error) => settle(call("checkTokenUnavailable", String(error?.message ?? error)));

/**
 * The _authenticate body of checking `token` against `store` (a guarded store: its `get` of an
 * array answers a Map); a failure throws its EdgeTokenError. `call(name, ...args)` runs a
 * synchronous export; `options` is the call's options as JSON (or none), `fixed` its `now` and
 * `storeNow` a reading of the store's clock, for the core to choose from (src/clock.rs).
 */
export async function checkBody(call, store, token, options, fixed, storeNow) {
  const keys = call("checkTokenKeys", token, options);
  if (keys?.charCodeAt(0) === FAILED) return settleAnswer(keys);
  let first = [];
  let second;
  try {
    if (keys !== undefined) first = await read(store, keys);
  } catch (error) {
    return unavailable(call, error);
  }
  const answer = call("checkTokenRead", token, documentOf(first), statusOf(first), undefined, fixed, storeNow);
  const kind = answer.charCodeAt(0);
  if (kind === BODY || kind === FAILED) return settleAnswer(answer);
  try {
    second = await read(store, answer);
  } catch (error) {
    return unavailable(call, error);
  }
  return settleAnswer(call("checkTokenRead", token, documentOf(first), statusOf(first), second, fixed, storeNow));
}
