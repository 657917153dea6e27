// Bulk invalidation in segments (src/bulk_invalidation.rs, docs/storage-schema.md): a realm of
// 1,000,000 tokens, that user, and that user in the realm, each within Workers' 1,000 KV
// operations per invocation and with ES's exact counts (§2.8); segments run from continuations
// as a Worker runs them; and the HTTP endpoint driving them as worker.js does.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildFixture,
  invalidateInSegments,
  measureDurableObjectInvalidation,
  measureRealmInvalidation,
  SCOPES,
} from "../../bench/realm-invalidation.mjs";
import { seedToken } from "../../bench/seed.mjs";
import { ADMIN, engineApi, inProcess, makeCaller } from "../service/helpers.mjs";

const engine = await engineApi();
const { MemoryKV } = await import("../../www/entry-node.js");

test("1,000,000 tokens: every segment within 900 KV operations, the counts exact, for all three scopes", async () => {
  const rows = await measureRealmInvalidation(engine, { size: 1_000_000 });
  for (const row of rows) {
    assert.deepEqual(
      row.reply,
      { invalidated_tokens: 1_999_000, previously_invalidated_tokens: 1_000, error_count: 0 },
      row.scope,
    );
    assert.ok(row.segments.length >= 2, `${row.scope}: ${row.segments.length} segment(s)`);
    for (const segment of row.segments) assert.ok(segment.ops <= 900, `${row.scope}: ${segment.detail}`);
    // 1,000 pages of the index, a few more of the other listings: no segment does more than it must.
    const ops = row.segments.reduce((a, s) => a + s.ops, 0);
    assert.ok(ops <= 1_010, `${row.scope}: ${ops} KV operations in all`);
  }
});

test("segments of 3 operations on MemoryKV count what one call counts, tokens seeded and engine-made alike", async () => {
  const now = Date.now();
  const kv = new MemoryKV({ now: () => now });
  const seeded = [];
  for (let i = 0; i < 2_500; i++) {
    seeded.push(await seedToken(kv, { username: i % 2 ? "bench_user" : "other", realm: "bench_realm", now }));
  }
  const made = [];
  for (let i = 0; i < 30; i++) {
    made.push(await engine.createToken(kv, { grant_type: "password", username: "bench_user", realm: `r${i % 3}`, roles: [] }));
  }
  await engine.invalidateToken(kv, { token: made[0].access_token });
  await engine.invalidateToken(kv, { refresh_token: seeded[1].refresh_token });
  const bodies = [...SCOPES.map((s) => s.body), { realm_name: "r1" }, { realm_name: "r2", username: "bench_user" }];
  // Each invalidation writes one watermark; deleting it again gives the next the same store.
  const before = new Set([...kv.entries()].map((e) => e.name));
  const undo = async () => {
    for (const { name } of [...kv.entries()]) if (!before.has(name)) await kv.delete(name);
  };
  for (const body of bodies) {
    const whole = await engine.invalidateToken(kv, body);
    await undo();
    const { reply, segments } = await invalidateInSegments(engine, kv, body, 3);
    await undo();
    assert.deepEqual(reply, whole, JSON.stringify(body));
    assert.ok(whole.invalidated_tokens > 0, JSON.stringify(body));
    assert.ok(segments.length >= 2, `${JSON.stringify(body)}: ${segments.length} segments`);
    for (const segment of segments) assert.ok(segment.ops <= 3, `${JSON.stringify(body)}: ${segment.detail}`);
  }
});

test("the endpoint runs further segments through the host's bulkInvalidation, as worker.js wires it", async () => {
  const { handle, kv } = await inProcess();
  const { expected, entries } = buildFixture(3_000, { now: kv.now() });
  for (const { name, value, metadata } of entries) await kv.put(name, value, { metadata, expirationTtl: 90_000 });
  let calls = 0;
  const bulkInvalidation = {
    segmented: 2,
    next: (continuation) => {
      calls++;
      return engine.continueInvalidation(kv, continuation, { segmented: 2 });
    },
  };
  const call = makeCaller((request) => handle(request, { bulkInvalidation }));
  const out = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { realm_name: "bench_realm" } });
  assert.equal(out.status, 200, out.text);
  assert.deepEqual(out.body, expected);
  assert.ok(calls >= 5, `${calls} further segments`);
  // A segment that fails is the store failing: 503, nothing reported invalidated.
  const failing = makeCaller((request) =>
    handle(request, { bulkInvalidation: { segmented: 2, next: () => Promise.reject(new Error("invocation limit")) } }),
  );
  const failed = await failing("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { username: "bench_user" } });
  assert.equal(failed.status, 503, failed.text);
  assert.match(failed.text, /invocation limit/);
});

test("Durable Object mode: the object's adapter runs every segment in one call, the counts exact", async () => {
  const { reply } = await measureDurableObjectInvalidation(engine, { size: 20_000 });
  assert.deepEqual(reply, { invalidated_tokens: 39_980, previously_invalidated_tokens: 20, error_count: 0 });
});
