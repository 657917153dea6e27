// kv-guard.js on its own: the deadline every KV operation gets (one shared interval for all
// pending operations), the 429 retries and the `alive` fence, over hand-made bindings. The shared
// interval is watched from outside, through the setInterval and clearInterval it calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { guardKv } from "../../www/kv-guard.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise with its settle functions, for an operation the test finishes by hand. */
function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A binding whose every method answers with `answer(method, args)`. */
const binding = (answer) => Object.fromEntries(["get", "put", "delete", "list"].map((m) => [m, (...args) => answer(m, args)]));
const hanging = binding(() => new Promise(() => {}));

/**
 * How the operation ended: {value} or {error}, and the milliseconds it took. Given a function,
 * the clock starts before it is called, so the time covers the whole operation: started after
 * the call, a busy machine could make a deadline met on time look early.
 */
async function outcome(operation) {
  const start = performance.now();
  try {
    const promise = typeof operation === "function" ? operation() : operation;
    return { value: await promise, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

// The guard's intervals (its callback is `tick`): each one made, and those cleared.
const intervals = [];
const cleared = new Set();
const { setInterval: realSetInterval, clearInterval: realClearInterval } = globalThis;
globalThis.setInterval = (callback, ms, ...args) => {
  const timer = realSetInterval(callback, ms, ...args);
  if (callback.name === "tick") intervals.push({ timer, ms });
  return timer;
};
globalThis.clearInterval = (timer) => {
  cleared.add(timer);
  realClearInterval(timer);
};

/** The shared interval if one runs: its period, and whether it keeps the process alive. */
function sharedInterval() {
  const last = intervals.at(-1);
  if (last === undefined || cleared.has(last.timer)) return null;
  return { tickMs: last.ms, holdsProcess: last.timer.hasRef() };
}

/** Waits until the shared interval has stopped (its first tick with nothing pending). */
async function idle() {
  for (let i = 0; i < 200 && sharedInterval() !== null; i++) await sleep(10);
  assert.equal(sharedInterval(), null, "the interval stops once nothing is pending");
}

/** Counts the guard's intervals made during `body`. */
async function countingIntervals(body) {
  const before = intervals.length;
  await body();
  return intervals.length - before;
}

test("an operation that hangs is rejected at its deadline, not before, with the same error", async () => {
  const kv = guardKv(hanging, { timeoutMs: 50 });
  for (const [method, args, op] of [
    ["get", ["k"], "GET"],
    ["delete", ["k"], "DELETE"],
    ["list", [{}], "LIST"],
    ["put", ["k", "v"], "PUT"],
  ]) {
    const out = await outcome(() => kv[method](...args));
    assert.equal(out.error?.message, `KV ${op} timed out after 50 ms`);
    assert.ok(out.ms >= 50, `${method} timed out early, after ${out.ms} ms`);
    assert.ok(out.ms < 1_000, `${method} timed out late, after ${out.ms} ms`);
  }
  await idle();
});

test("an answer in time wins; a late answer after the deadline is dropped", async () => {
  const answers = [];
  const kv = guardKv(
    binding((_m, _args) => (answers.push(deferred()), answers.at(-1).promise)),
    { timeoutMs: 60 },
  );
  const early = kv.get("a");
  const failing = kv.get("b");
  const late = kv.get("c");
  answers[0].resolve("A");
  answers[1].reject(new Error("KV GET failed: 500"));
  assert.equal(await early, "A");
  await assert.rejects(failing, /KV GET failed: 500/);
  const out = await outcome(late);
  assert.equal(out.error?.message, "KV GET timed out after 60 ms");
  answers[2].resolve("C, too late"); // nothing to settle any more
  await sleep(20);
  await idle();
});

test("many pending operations share one interval; it holds the process only while they are pending", async () => {
  let resolveAll;
  const gate = new Promise((resolve) => (resolveAll = resolve));
  const kv = guardKv(
    binding((_m, [key]) => (key.startsWith("hang") ? new Promise(() => {}) : gate.then(() => key))),
    { timeoutMs: 80 },
  );
  const made = await countingIntervals(async () => {
    const quick = Array.from({ length: 20 }, (_, i) => kv.get(`ok${i}`));
    const stuck = Array.from({ length: 20 }, (_, i) => kv.get(`hang${i}`));
    assert.deepEqual(
      sharedInterval(),
      { tickMs: 10, holdsProcess: true },
      "a tenth of the deadline (at least 10 ms), keeping the process alive while operations are pending",
    );
    resolveAll();
    assert.deepEqual(
      await Promise.all(quick),
      quick.map((_, i) => `ok${i}`),
    );
    const outcomes = await Promise.all(stuck.map(outcome));
    assert.ok(outcomes.every((o) => o.error?.message === "KV GET timed out after 80 ms"));
    const after = sharedInterval();
    if (after !== null) assert.equal(after.holdsProcess, false, "an idle interval is unref'd until it stops");
  });
  assert.equal(made, 1, "one interval for 40 operations");
  await idle();
});

test("a short deadline arriving while a long one is pending still fires on time", async () => {
  const slow = deferred();
  const long = guardKv(
    binding(() => slow.promise),
    { timeoutMs: 10_000 },
  );
  const short = guardKv(hanging, { timeoutMs: 50 });
  const longOne = long.get("slow");
  assert.equal(sharedInterval()?.tickMs, 1_000);
  const out = await outcome(() => short.get("k"));
  assert.equal(out.error?.message, "KV GET timed out after 50 ms");
  assert.ok(out.ms >= 50 && out.ms < 1_000, `after ${out.ms} ms`);
  slow.resolve("done");
  assert.equal(await longOne, "done", "the long operation is unaffected");
  await idle();
});

test("a binding that throws synchronously rejects like one that rejects", async () => {
  const kv = guardKv(
    binding(() => {
      throw new TypeError("boom");
    }),
    { timeoutMs: 50 },
  );
  await assert.rejects(kv.get("k"), /boom/);
  await idle();
});

test("a 429 on put is retried with backoff, each try with its own deadline", async () => {
  let tries = 0;
  const kv = guardKv(
    binding((m) =>
      m === "put" && ++tries <= 2 ? Promise.reject(new Error("KV PUT failed: 429 Too Many Requests")) : Promise.resolve("ok"),
    ),
    { timeoutMs: 50, backoffMs: 1 },
  );
  assert.equal(await kv.put("k", "v"), "ok");
  assert.equal(tries, 3);
  let refused = 0;
  const always = guardKv(
    binding(() => (refused++, Promise.reject(new Error("KV PUT failed: 429")))),
    { timeoutMs: 50, putRetries: 2, backoffMs: 1 },
  );
  await assert.rejects(always.put("k", "v"), /429/);
  assert.equal(refused, 3, "one try and two retries");
  await assert.rejects(always.get("k"), /429/, "reads are not retried");
  assert.equal(refused, 4);
  await idle();
});

test("once the instance is dead (alive() false), results and deadlines are dropped", async () => {
  let alive = true;
  const answer = deferred();
  const kv = guardKv(
    binding((_m, [key]) => (key === "hang" ? new Promise(() => {}) : answer.promise)),
    { timeoutMs: 30, alive: () => alive },
  );
  const result = kv.get("k");
  const timedOut = kv.get("hang");
  alive = false;
  answer.resolve("v");
  const settled = await Promise.race([
    Promise.allSettled([result, timedOut]).then(() => "settled"),
    sleep(150).then(() => "dropped"),
  ]);
  assert.equal(settled, "dropped");
  await idle();
});

test("on workerd every operation keeps its own timer (timers there are scoped to a request)", async () => {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", {
    value: { userAgent: "Cloudflare-Workers" },
    configurable: true,
    writable: true,
  });
  try {
    const kv = guardKv(hanging, { timeoutMs: 40 });
    const made = await countingIntervals(async () => {
      const pending = kv.get("k");
      assert.equal(sharedInterval(), null, "not on the shared timer");
      const out = await outcome(pending);
      assert.equal(out.error?.message, "KV GET timed out after 40 ms");
    });
    assert.equal(made, 0);
  } finally {
    if (descriptor) Object.defineProperty(globalThis, "navigator", descriptor);
    else delete globalThis.navigator;
  }
});

test("a bulk get goes in gets of at most 100 keys (Workers KV's limit), and no keys read nothing", async () => {
  const sizes = [];
  const kv = guardKv(
    binding((_method, [keys]) => {
      sizes.push(keys.length);
      return new Map(keys.filter((key) => key !== "k7").map((key) => [key, `v${key}`]));
    }),
  );
  const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
  const found = await kv.get(keys);
  assert.deepEqual(sizes, [100, 100, 50]);
  assert.equal(found.size, 249);
  assert.deepEqual([found.get("k0"), found.get("k249"), found.get("k7")], ["vk0", "vk249", undefined]);
  sizes.length = 0;
  assert.deepEqual([...(await kv.get([]))], []);
  assert.equal((await kv.get(keys.slice(0, 100))).size, 99);
  assert.deepEqual(sizes, [100]);
});
