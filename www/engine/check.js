// checkToken, the hot path. The core's check is stateless synchronous steps (src/wasm/check.rs)
// and this function does the store reads between them, so a check crosses the boundary as
// plain calls: no future, no promise, no binding lookups in wasm. A token with its owner's tag
// takes one read; an older one, or one whose tag does not name its owner, two. A failed read is
// the core's 503 (fail closed).
//
// The core keeps the watermarks checks read for a few seconds (src/recent_invalidations.rs),
// per store: this file names each store binding with a number for it. The Durable Object's
// store is 0 (nothing kept: strong consistency mode reads everything fresh).

const encoder = new TextEncoder();
// The document's bytes are written here, not into a new array per check (the glue copies them
// into wasm memory at once); a document that does not fit gets an array of its own.
const scratch = new Uint8Array(8192);

/** Store bindings and their numbers for the core's kept watermarks (1, 2, ...). */
const storeIds = new WeakMap();
let nextStoreId = 1;
let freshReads = false;

/**
 * Every check in this isolate reads every watermark from its store, as the Durable Object of
 * strong consistency mode must (www/adapters/token-store-do.js calls it when it starts).
 */
export function readWatermarksFresh() {
  freshReads = true;
}

/** The number of `store` for the core (0 when nothing may be kept). */
function storeId(store) {
  if (freshReads) return 0;
  let id = storeIds.get(store);
  if (id === undefined) {
    id = nextStoreId++;
    storeIds.set(store, id);
  }
  return id;
}

/** The first read's document as UTF-8: a view of `scratch`, valid until the next await. */
function documentOf(first) {
  const text = first[0];
  if (typeof text !== "string") return undefined;
  const { read, written } = encoder.encodeInto(text, scratch);
  return read === text.length ? scratch.subarray(0, written) : encoder.encode(text);
}

/** The values of `keys` as one read: a get for one key, else a bulk get. */
function read(store, keys) {
  if (keys.length === 1) return store.get(keys[0]).then((value) => [value ?? null]);
  return store.get(keys).then((found) => keys.map((k) => found.get(k) ?? null));
}

/**
 * The values of step 1's lines `all` (keys; "=" and a value for one the core knows), each in
 * its place: `keys`, the lines that are keys, are read at once, the known values are not.
 */
function readFirst(store, all, keys) {
  if (keys.length === all.length) return read(store, keys);
  return read(store, keys).then((values) => {
    let next = 0;
    return all.map((line) => (line.charCodeAt(0) === 61 ? line.slice(1) || null : values[next++]));
  });
}

/**
 * The reply envelope of checking `token` against `store` (a guarded store: its `get` of an array
 * answers a Map). `call(name, ...args)` runs a synchronous export.
 */
export async function checkEnvelope(call, store, token, now) {
  /** @param {any} error */
  const unavailable = (error) => call("checkTokenUnavailable", String(error?.message ?? error));
  const id = storeId(store);
  const lines = call("checkTokenKeys", token, id, now);
  const all = lines === undefined ? [] : lines.split("\n");
  const keys = all.filter((line) => line.charCodeAt(0) !== 61); // not "="
  let first = [];
  let second;
  try {
    if (lines !== undefined) first = await readFirst(store, all, keys);
  } catch (error) {
    return unavailable(error);
  }
  // Step 1's lines go back for the core to keep the watermarks that were read, not when it knew
  // all three (the steady state under load: one string less across the boundary).
  const fresh = all.length - keys.length < 3 ? lines : undefined;
  const answer = call("checkTokenRead", token, documentOf(first), first, undefined, now, id, fresh);
  if (answer.charCodeAt(0) === 123) return answer; // "{": the envelope, else the keys
  try {
    second = await read(store, answer.split("\n"));
  } catch (error) {
    return unavailable(error);
  }
  return call("checkTokenRead", token, documentOf(first), first, second, now, id, undefined);
}
