// checkToken, the hot path. The core's check is stateless synchronous steps (src/wasm/check.rs)
// and this function does the store reads between them, so a check crosses the boundary as
// plain calls: no future, no promise, no binding lookups in wasm. A token with its owner's tag
// takes one read; an older one, or one whose tag does not name its owner, two. A failed read is
// the core's 503 (fail closed).

const encoder = new TextEncoder();
// The document's bytes are written here, not into a new array per check (the glue copies them
// into wasm memory at once); a document that does not fit gets an array of its own.
const scratch = new Uint8Array(8192);

/** The first read's document as UTF-8: a view of `scratch`, valid until the next await. */
function documentOf(first) {
  const text = first[0];
  if (typeof text !== "string") return undefined;
  const { read, written } = encoder.encodeInto(text, scratch);
  return read === text.length ? scratch.subarray(0, written) : encoder.encode(text);
}

/** The values of `lines` (keys, one a line) as one read: a get for one key, else a bulk get. */
function read(store, lines) {
  const keys = lines.split("\n");
  if (keys.length === 1) return store.get(keys[0]).then((value) => [value ?? null]);
  return store.get(keys).then((found) => keys.map((k) => found.get(k) ?? null));
}

/**
 * The reply envelope of checking `token` against `store` (a guarded store: its `get` of an array
 * answers a Map). `call(name, ...args)` runs a synchronous export.
 */
export async function checkEnvelope(call, store, token, now) {
  /** @param {any} error */
  const unavailable = (error) => call("checkTokenUnavailable", String(error?.message ?? error));
  const keys = call("checkTokenKeys", token);
  let first = [];
  let second;
  try {
    if (keys !== undefined) first = await read(store, keys);
  } catch (error) {
    return unavailable(error);
  }
  const answer = call("checkTokenRead", token, documentOf(first), first, undefined, now);
  if (answer.charCodeAt(0) === 123) return answer; // "{": the envelope, else the keys
  try {
    second = await read(store, answer);
  } catch (error) {
    return unavailable(error);
  }
  return call("checkTokenRead", token, documentOf(first), first, second, now);
}
