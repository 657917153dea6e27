// The login throttle's leases on the host's side (www/service/login-throttle.js), on an injected
// clock and mocked timers: an admitted attempt that is never ended (on workerd, a request
// cancelled when its client went away) holds its place only until its lease ends (15 s, the
// core's, src/throttle_leases.rs); the attempt waiting behind it asks again then and is
// admitted; and the late `end` of such an attempt frees no other attempt's place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLoginThrottle } from "../../www/service/login-throttle.js";
import { engineApi } from "./helpers.mjs";

const T0 = Date.UTC(2026, 0, 1);
const LEASE_MS = 15_000;
const KEY = "login-throttle-lease-test";
const CLIENT = { clientAddress: "192.0.2.1" };

/** Lets every promise that can settle now settle (setImmediate is not mocked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** `promise`'s state now: its value once settled, else "pending". */
async function state(promise) {
  const pending = Symbol("pending");
  await settle();
  const value = await Promise.race([promise, Promise.resolve(pending)]);
  return value === pending ? "pending" : value;
}

test("an attempt never ended frees its place when its lease ends; its late end frees no other's", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const engine = await engineApi();
  const clock = { t: T0 };
  const throttle = createLoginThrottle(engine, { get: async () => null, put: async () => {} }, { now: () => clock.t });
  const later = (ms) => {
    clock.t += ms;
    t.mock.timers.tick(ms);
  };

  // Five checks of one client and username at once fill its places; none is ever ended.
  const cancelled = [];
  for (let i = 0; i < 5; i++) {
    const attempt = await throttle.begin(KEY, CLIENT);
    assert.equal(attempt.refused, false);
    cancelled.push(attempt);
  }
  const waiting = throttle.begin(KEY, CLIENT);
  assert.equal(await state(waiting), "pending", "the sixth waits for the checks in flight");
  later(LEASE_MS - 1);
  assert.equal(await state(waiting), "pending", "the leases have not ended");
  later(1);
  const admitted = await state(waiting);
  assert.notEqual(admitted, "pending", "admitted when the first lease ends");
  assert.equal(admitted.refused, false);

  // The cancelled attempts end at last: their places are gone, so they free nothing. Four more
  // fit beside the admitted one, and the one after them waits.
  for (const attempt of cancelled) attempt.end("success");
  for (let i = 0; i < 4; i++) assert.equal((await throttle.begin(KEY, CLIENT)).refused, false);
  const sixth = throttle.begin(KEY, CLIENT);
  assert.equal(await state(sixth), "pending", "the late ends freed no place");
  // The admitted one's own end frees its place for it.
  admitted.end("success");
  assert.equal((await state(sixth)).refused, false);
});
