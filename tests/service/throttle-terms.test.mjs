// The login throttle's terms and refusals come from the core (src/wasm/throttle.rs): the step
// codes and how long an attempt may wait (LIMITS.max_wait_ms), read once per throttle; and the
// step of an attempt that gave up waiting, or that its client's bucket refused, with the write
// flag when the username's bucket is due to be stored (none once its client went away).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLoginThrottle } from "../../www/service/login-throttle.js";
import { engineApi } from "./helpers.mjs";

const T0 = Date.UTC(2026, 0, 1);
const KEY = "login-throttle-terms-test";
const CLIENT = { clientAddress: "192.0.2.1" };
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("the terms are the core's: the step codes and a minute's wait at most", async () => {
  const engine = await engineApi();
  const terms = JSON.parse(engine.loginThrottle()("terms"));
  assert.deepEqual(terms, { ADMITTED: 0, WAIT: 1, REFUSED: 2, DONE: 3, STEP: 3, WRITE: 4, MAX_WAIT_MS: 60_000 });
});

test("gaveUp: refused, with the write flag when a known username's bucket is due, never once the client left", async () => {
  const engine = await engineApi();
  const core = engine.loginThrottle();
  const { REFUSED, WRITE } = JSON.parse(core("terms"));
  assert.equal(core("gaveUp", KEY, false, T0), REFUSED, "nothing to store");
  // A failed check of a username that exists: its bucket is due to be stored.
  const pair = core("pair", KEY, CLIENT.clientAddress, T0);
  assert.equal(core("start", pair, KEY, undefined, 0, false, T0), 0);
  const write = core("finish", pair, KEY, core("lease"), "failure", true, 0, T0);
  assert.equal(write, WRITE);
  assert.equal(core("gaveUp", KEY, true, T0), REFUSED, "its client went: no write");
  assert.equal(core("gaveUp", KEY, false, T0), REFUSED | WRITE);
  assert.equal(typeof core("takeWrite", KEY, T0), "string");
  assert.equal(core("gaveUp", KEY, false, T0), REFUSED, "taken");
});

test("a waiting attempt gives up after the core's MAX_WAIT_MS", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const real = await engineApi();
  // The core's terms with a shorter wait: the host must wait as long as the core says.
  const engine = {
    ...real,
    loginThrottle() {
      const core = real.loginThrottle();
      return (method, ...args) =>
        method === "terms" ? JSON.stringify({ ...JSON.parse(core("terms")), MAX_WAIT_MS: 50 }) : core(method, ...args);
    },
  };
  const throttle = createLoginThrottle(engine, { get: async () => null, put: async () => {} }, { now: () => T0 });
  // Five checks in flight fill the pair's places (their leases last 15 s); the sixth waits.
  const held = [];
  for (let i = 0; i < 5; i++) held.push(await throttle.begin(KEY, CLIENT));
  let out;
  throttle.begin(KEY, CLIENT).then((attempt) => (out = attempt));
  await settle();
  t.mock.timers.tick(49);
  await settle();
  assert.equal(out, undefined, "still waiting");
  t.mock.timers.tick(1);
  await settle();
  assert.equal(out?.refused, true, "refused once the core's wait ran out");
  for (const attempt of held) attempt.end("success");
});
