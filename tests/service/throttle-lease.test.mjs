// The login throttle's leases on the host's side (www/service/login-throttle.js), on an injected
// clock and mocked timers: an admitted attempt that is never ended (on workerd, a request
// cancelled when its client went away) holds its place only until its lease ends (15 s, the
// core's, src/throttle_leases.rs); the attempt waiting behind it asks again then and is
// admitted; and the late `end` of such an attempt frees no other attempt's place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { createLoginThrottle } from "../../www/service/login-throttle.js";
import { engineApi } from "./helpers.mjs";

const T0 = Date.UTC(2026, 0, 1);
const LEASE_MS = 15_000;
const KEY = "login-throttle-lease-test";
const CLIENT = { clientAddress: "192.0.2.1" };

/** A throttle on a store that holds nothing and takes every write. */
const quietThrottle = (engine, options) => createLoginThrottle(engine, { get: async () => null, put: async () => {} }, options);

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
  const throttle = quietThrottle(engine, { now: () => clock.t });
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

// The request's abort signal (its client gone): a waiting attempt leaves the queue at once and
// is never given a place; where the runtime ends a request's work with it (workerd), an admitted
// one frees its places at once. Neither leaves a listener.
test("an aborted waiter gives up its turn, an aborted admitted attempt its place, at once (workerd)", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const engine = await engineApi();
  const throttle = quietThrottle(engine, { now: () => T0, cancelsWork: true });
  const listeners = (signal) => getEventListeners(signal, "abort").length;
  const begin = (signal) => throttle.begin(KEY, { ...CLIENT, signal });

  const admitted = [];
  const controllers = Array.from({ length: 5 }, () => new AbortController());
  for (const { signal } of controllers) admitted.push(await begin(signal));
  assert.ok(admitted.every((a) => !a.refused));
  assert.equal(listeners(controllers[0].signal), 1, "an admitted attempt listens to its signal");
  const doomed = new AbortController();
  const queued = begin(doomed.signal);
  const live = new AbortController();
  const behind = begin(live.signal);
  assert.equal(await state(queued), "pending");
  assert.equal(listeners(doomed.signal), 1, "a waiting attempt listens to its signal");
  doomed.abort();
  assert.equal((await state(queued)).refused, true, "the aborted waiter is refused at once");
  assert.equal(listeners(doomed.signal), 0);
  // The first place to free goes to the live one behind it, now, not after a lease.
  admitted[0].end("success");
  assert.equal(listeners(controllers[0].signal), 0, "an ended attempt no longer listens");
  const next = await state(behind);
  assert.notEqual(next, "pending", "the live waiter is admitted when the place frees");
  assert.equal(next.refused, false);
  assert.equal(listeners(live.signal), 1, "admitted: its listener is the admitted one's");

  // An admitted attempt aborted frees its place at once: a new one is admitted beside the 4.
  controllers[1].abort();
  assert.equal(listeners(controllers[1].signal), 0);
  const another = await state(begin(undefined));
  assert.notEqual(another, "pending", "the aborted attempt's place was free at once");
  assert.equal(another.refused, false);
  const sixth = begin(undefined);
  assert.equal(await state(sixth), "pending", "and only its place");
  // Its late end (Node goes on with an aborted request) frees no other attempt's place.
  admitted[1].end("success");
  assert.equal(await state(sixth), "pending", "the late end freed nothing");
  another.end("success");
  assert.equal((await state(sixth)).refused, false);
});

// Where a request's work goes on after its client left (Node), its check holds its place until it
// ends: freed early, the hashes of one pair in flight would have no bound.
test("where work outlives its request, an aborted admitted attempt holds its place until it ends", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const engine = await engineApi();
  const throttle = quietThrottle(engine, { now: () => T0, cancelsWork: false });
  const controllers = Array.from({ length: 5 }, () => new AbortController());
  const admitted = [];
  for (const { signal } of controllers) admitted.push(await throttle.begin(KEY, { ...CLIENT, signal }));
  assert.ok(admitted.every((a) => !a.refused));
  assert.equal(getEventListeners(controllers[0].signal, "abort").length, 0, "nothing to free early: no listener");
  controllers[0].abort();
  const sixth = throttle.begin(KEY, CLIENT);
  assert.equal(await state(sixth), "pending", "the aborted attempt's check still holds its place");
  admitted[0].end("success");
  assert.equal((await state(sixth)).refused, false, "its end frees it");
});

test("an attempt whose signal is already aborted is refused and counted nowhere", async () => {
  const engine = await engineApi();
  const throttle = quietThrottle(engine, { now: () => T0 });
  const gone = AbortSignal.abort();
  for (let i = 0; i < 10; i++) {
    assert.equal((await throttle.begin(KEY, { ...CLIENT, signal: gone })).refused, true);
    assert.equal((await throttle.begin(KEY, { ...CLIENT, signal: gone, known: true })).refused, true);
  }
  assert.equal(getEventListeners(gone, "abort").length, 0);
  // None took a place: 5 fit at once.
  for (let i = 0; i < 5; i++) assert.equal((await throttle.begin(KEY, CLIENT)).refused, false);
});
