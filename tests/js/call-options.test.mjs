// A call's options and clocks have one rule, the core's (src/engine.rs parse_options,
// src/clock.rs): every call that takes options refuses the same bad ones with the same 400, the
// check and the one-token invalidation (synchronous steps) as much as the async calls; and a
// store clock that gives no time (NaN, negative) is ignored for the platform's, whichever call
// reads it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createToken, checkToken, refreshToken, invalidateToken, MemoryKV } from "../../www/entry-node.js";
import { engine } from "../../www/engine/bound.js";
import { guardKv } from "../../www/kv-guard.js";

const SECRET = "s".repeat(32);
const grant = { grant_type: "password", username: "u", realm: "r" };

/** Each public call with `options`, on a store that holds a valid token. */
async function callsWith(options) {
  const kv = new MemoryKV();
  const token = await createToken(kv, grant);
  return {
    createToken: () => createToken(kv, grant, options),
    checkToken: () => checkToken(kv, token.access_token, options),
    refreshToken: () => refreshToken(kv, token.refresh_token, { username: "u", realm: "r" }, { secret: SECRET, ...options }),
    "invalidateToken (one token)": () => invalidateToken(kv, { token: token.access_token }, options),
    "invalidateToken (a user)": () => invalidateToken(kv, { username: "u" }, options),
  };
}

const NOW = "invalid options: [now] must be a non-negative epoch time in ms";
const cases = [
  [{ now: -1 }, NOW],
  [{ now: Number.NaN }, NOW],
  [{ now: Number.POSITIVE_INFINITY }, NOW],
  [{ now: () => Number.NEGATIVE_INFINITY }, NOW],
  [{ now: "soon" }, 'invalid options: invalid type: string "soon", expected f64'],
  [{ timeout: "garbage" }, null],
  [{ secret: 5 }, "invalid options: [secret] must be a string"],
];

for (const [options, reason] of cases) {
  test(`every call refuses ${inspect(options)} with the core's one 400`, async () => {
    const reasons = new Map();
    for (const [name, call] of Object.entries(await callsWith(options))) {
      const error = await call().then(
        () => assert.fail(`${name} accepted the options`),
        (e) => e,
      );
      assert.equal(error.status, 400, `${name}: ${error.message}`);
      reasons.set(name, error.body.error.reason);
    }
    const distinct = new Set(reasons.values());
    assert.equal(distinct.size, 1, JSON.stringify([...reasons]));
    if (reason !== null) assert.equal([...distinct][0], reason);
  });
}

test("a check's options are the others': a fixed now and a valid timeout are taken", async () => {
  const kv = new MemoryKV();
  const token = await createToken(kv, grant, { now: 1_000 });
  assert.equal((await checkToken(kv, token.access_token, { now: 2_000, timeout: "5m" })).username, "u");
  await assert.rejects(checkToken(kv, token.access_token, { now: 1_000 + 20 * 60_000 + 1 }), { status: 401 });
});

// The core's clock ignores a store clock that is not a time and reads the platform's (Date.now):
// a token made at t = 1 s expired long ago. Read as time 0, it would still be valid.
for (const reading of [Number.NaN, -5, undefined]) {
  test(`a store clock that reads ${reading} is the platform's clock for the check and the invalidation`, async () => {
    let clock = 1_000;
    const kv = new MemoryKV({ now: () => clock });
    const token = await createToken(kv, grant);
    const other = await createToken(kv, grant);
    clock = reading;
    await assert.rejects(checkToken(kv, token.access_token), { status: 401 });
    // Expired long ago by the platform's clock: nothing left to invalidate (ES's error answer).
    const refused = await invalidateToken(kv, { token: other.access_token }).catch((e) => e);
    assert.deepEqual([refused.body?.invalidated_tokens, refused.body?.previously_invalidated_tokens], [0, 0]);
  });
}

test("the service's clock is the core's reading of the (guarded) store's clock", () => {
  const clockOf = (kv) => engine.clockNow(guardKv(kv));
  assert.equal(clockOf(new MemoryKV({ now: () => 1_234 })), 1_234);
  assert.equal(clockOf(new MemoryKV({ now: () => 0 })), 0);
  for (const kv of [{ get() {}, put() {}, delete() {}, list() {} }, new MemoryKV({ now: () => Number.NaN })]) {
    const before = Date.now();
    const now = clockOf(kv);
    assert.ok(now >= before && now <= Date.now());
  }
});
