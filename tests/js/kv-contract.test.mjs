// MemoryKV and the Durable Object adapter share one implementation of Workers KV's contract
// (KVEmulation in www/memory-kv.js): the same operations must give the same answers and the same
// errors on both. The adapter runs here on an in-memory stand-in for Durable Object storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";
import { DurableObjectKV } from "../../www/adapters/durable-object.js";
import { DurableObjectStorageStub } from "../../bench/do-storage-stub.mjs";

const START = Date.UTC(2025, 0, 1);
const nowS = START / 1000;

/** [operation, ...args]: valid ones, and each of Workers KV's refusals. */
const script = [
  ["put", "a", "1", { metadata: { n: 1 } }],
  ["put", "b", new TextEncoder().encode("zwei"), { expirationTtl: 600 }],
  ["put", "c", "3", { expiration: nowS + 120 }],
  ["put", "d:é", '{"x":1}'],
  ["get", "a"],
  ["get", "d:é", "json"],
  ["get", "a", { type: "arrayBuffer" }],
  ["get", "missing"],
  ["get", ["a", "missing", "b"]],
  ["get", ["d:é"], "json"],
  ["list", {}],
  ["list", { prefix: "d:" }],
  ["list", { limit: 2 }],
  ["delete", "c"],
  ["delete", "never"],
  ["list", {}],
  ["put", "", "v"],
  ["put", ".", "v"],
  ["put", "..", "v"],
  ["put", "k".repeat(513), "v"],
  ["get", "€".repeat(171)],
  ["delete", "k".repeat(600)],
  ["put", "k", 42],
  ["put", "k", "v", { expirationTtl: 0 }],
  ["put", "k", "v", { expirationTtl: 59 }],
  ["put", "k", "v", { expirationTtl: "abc" }],
  ["put", "k", "v", { expiration: nowS }],
  ["put", "k", "v", { expiration: nowS + 59 }],
  ["put", "k", "v", { metadata: { s: "m".repeat(1100) } }],
  ["get", "a", "bogus"],
  ["get", ["a"], "arrayBuffer"],
  ["get", []],
  ["get", Array.from({ length: 101 }, (_, i) => `k${i}`)],
  ["get", ["a", ""]],
  ["list", { limit: 0 }],
  ["list", { limit: 1001 }],
  ["list", { limit: 2.5 }],
  ["list", { cursor: "not base64!" }],
];

/** What `kv` answers to each step: a plain value, or the error's name and message. */
async function run(kv) {
  const out = [];
  for (const [operation, ...args] of script) {
    try {
      const value = await kv[operation](...args);
      const plain = value instanceof ArrayBuffer ? new TextDecoder().decode(value) : value;
      // Cursors are opaque and each backend's own: compare whether there is one.
      out.push(plain?.cursor === undefined ? plain : { ...plain, cursor: "(a cursor)" });
    } catch (error) {
      out.push({ thrown: `${error.name}: ${error.message}` });
    }
  }
  return out;
}

test("MemoryKV and DurableObjectKV answer and refuse every operation alike", async () => {
  const memory = await run(new MemoryKV({ now: () => START }));
  const durable = await run(new DurableObjectKV(new DurableObjectStorageStub(), { now: () => START }));
  assert.equal(memory.length, script.length);
  for (const [i, step] of script.entries()) {
    assert.deepEqual(durable[i], memory[i], `${step[0]} ${JSON.stringify(step.slice(1)).slice(0, 80)}`);
  }
  assert.ok(memory.filter((o) => o?.thrown).length >= 20, "the refusals are refused");
});

test("a sweep of many expired keys keeps every storage call within Durable Object storage's 128 keys", async () => {
  // The stand-in refuses more than 128 keys in one get or delete, as Cloudflare documents (and
  // Miniflare 2 enforced; local workerd does not).
  class Limited extends DurableObjectStorageStub {
    calls = [];
    async get(keys) {
      if (Array.isArray(keys)) this.calls.push(["get", keys.length]);
      if (Array.isArray(keys) && keys.length > 128) throw new RangeError("Maximum number of keys is 128");
      return super.get(keys);
    }
    async delete(keys) {
      this.calls.push(["delete", [keys].flat().length]);
      if (Array.isArray(keys) && keys.length > 128) throw new RangeError("Maximum number of keys is 128");
      return super.delete(keys);
    }
  }
  let now = START;
  const storage = new Limited();
  const kv = new DurableObjectKV(storage, { now: () => now });
  for (let i = 0; i < 300; i++) await kv.put(`k${i}`, "v", { expirationTtl: 60 });
  now += 61_000;
  assert.equal(await kv.sweep(), 300);
  assert.equal((await kv.list()).keys.length, 0);
  assert.ok(
    storage.calls.some(([, n]) => n > 64),
    "batches are not needlessly small",
  );
});
