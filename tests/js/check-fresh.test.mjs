// Strong consistency mode: the Durable Object's checks keep no watermark (www/engine/check.js's
// readWatermarksFresh, which the TokenStore calls when it starts). A file of its own: the
// switch holds for the whole isolate, here the test process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readWatermarksFresh } from "../../www/engine/check.js";
import { checkToken, createToken, MemoryKV } from "../../www/entry-node.js";

test("after readWatermarksFresh every check reads every watermark, and sees one written elsewhere at once", async () => {
  readWatermarksFresh();
  const store = new MemoryKV();
  const reads = [];
  const kv = {
    get: (key, type) => {
      reads.push(Array.isArray(key) ? key.length : 1);
      return store.get(key, type);
    },
    put: (...args) => store.put(...args),
    delete: (key) => store.delete(key),
    list: (options) => store.list(options),
  };
  const token = await createToken(kv, { grant_type: "password", username: "frank", realm: "r" });
  reads.length = 0;
  const seen = [];
  const watch = { ...kv, get: (key, type) => (Array.isArray(key) && seen.push(...key), kv.get(key, type)) };
  assert.equal((await checkToken(watch, token.access_token)).username, "frank");
  assert.equal((await checkToken(watch, token.access_token)).username, "frank");
  assert.deepEqual(reads, [6, 6], "the document, three watermarks and two invalidation keys, each time");
  const realmWatermark = seen.find((k) => k.startsWith("w:") && k.split(":").length === 2);
  const now = Date.now();
  await store.put(realmWatermark, String(now), { metadata: { t: now } });
  await assert.rejects(checkToken(watch, token.access_token), (e) => e.status === 401);
});
