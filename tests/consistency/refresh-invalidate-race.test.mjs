// Within one location (one isolate), a refresh racing an invalidation by username must end as if
// one ran before the other: the new pair is never valid once the invalidation has answered.
// The store answers each operation after 1 to 15 ms, so the two calls interleave at every step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createToken, refreshToken, invalidateToken, checkToken, MemoryKV } from "../../www/entry-node.js";

const TRIALS = 500;
const SECRET = "race-test-token-secret-of-32-chars!";

/** A binding whose operations each take 1 to 15 ms (deterministic pseudo-random delays). */
function slow(kv, seed) {
  let state = seed;
  const delay = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return new Promise((resolve) => setTimeout(resolve, 1 + (state % 15)));
  };
  const wrap =
    (name) =>
    async (...args) => {
      await delay();
      return kv[name](...args);
    };
  return { get: wrap("get"), put: wrap("put"), delete: wrap("delete"), list: wrap("list"), now: () => kv.now() };
}

test(`a refresh racing an invalidation by username never escapes it (${TRIALS} trials)`, async (t) => {
  const kv = new MemoryKV();
  let escapes = 0;
  let refreshed = 0;
  const batch = 25;
  for (let start = 0; start < TRIALS; start += batch) {
    const trials = Array.from({ length: batch }, async (_, i) => {
      const username = `racer${start + i}`;
      const client = { username, realm: "default_native" };
      const issued = await createToken(kv, { grant_type: "password", username, realm: "default_native" });
      const store = slow(kv, start + i + 1);
      // One starts 0 to 20 ms after the other, in either order, inside its reads and writes.
      const lag = ((start + i) % 41) - 20;
      const after = (ms, run) => new Promise((resolve) => setTimeout(resolve, ms)).then(run);
      const [, pair] = await Promise.all([
        after(Math.max(0, -lag), () => invalidateToken(store, { username })),
        after(Math.max(0, lag), () => refreshToken(store, issued.refresh_token, client, { secret: SECRET }).catch(() => null)),
      ]);
      if (pair === null) return;
      refreshed++;
      const valid = await checkToken(kv, pair.access_token).then(
        () => true,
        () => false,
      );
      if (valid) escapes++;
    });
    await Promise.all(trials);
  }
  t.diagnostic(`${refreshed} of ${TRIALS} refreshes succeeded; ${escapes} of those pairs escaped`);
  assert.equal(escapes, 0, `${escapes} of ${refreshed} refreshed pairs escaped the invalidation`);
  assert.ok(refreshed > 0, "some refreshes ran before the invalidation was seen");
});
