// checkToken, the hot path. The core's check is synchronous steps (src/wasm/check.rs) and this
// function does the two store reads between them, so a check crosses the boundary as plain
// calls: no future, no promise, no binding lookups in wasm. A failed read is the core's 503
// (fail closed).

/**
 * The reply envelope of checking `token` against `store` (a guarded store: its `get` of an array
 * answers a Map). `call(name, ...args)` runs a synchronous export; `generation()` changes when
 * the wasm instance was replaced, which makes a step object of the old one unusable.
 */
export async function checkEnvelope(call, generation, store, token, now) {
  const unavailable = (error) => call("checkTokenUnavailable", String(error?.message ?? error));
  const key = call("checkTokenKey", token);
  let document;
  if (key !== undefined) {
    try {
      document = (await store.get(key)) ?? undefined;
    } catch (error) {
      return unavailable(error);
    }
  }
  const born = generation();
  const step = call("checkTokenDocument", token, document, now);
  const answer = step.answer;
  if (answer !== undefined) {
    step.free();
    return answer;
  }
  const keys = step.keys;
  let found;
  try {
    found = await store.get(keys);
  } catch (error) {
    if (generation() === born) step.free();
    return unavailable(error);
  }
  const values = keys.map((k) => found.get(k) ?? null);
  // A trap while this check waited replaced the instance: its step is gone, so step 2 runs again.
  const current = generation() === born ? step : call("checkTokenDocument", token, document, now);
  return current.finish(values);
}
