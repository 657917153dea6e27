// Invalidating a realm of 1,000,000 live tokens (and that user, and that user in the realm) in
// segments of at most 900 KV operations (src/bulk_invalidation.rs), as a Worker runs them: the
// first in the request's invocation, each further one from its continuation. Reports segments,
// KV operations per segment, wall and CPU time per segment, and the counts, which must be exact.
//
// The store is bench/snapshot-kv.mjs (an in-memory KV with Workers KV's list contract) under
// countingKv: MemoryKV re-scans every key on each list call, which at 1,000,000 keys is its own
// cost (about 140 s per invalidation here), not the engine's. Seeding workerd's local KV with
// 1,000,000 keys is impractical (`wrangler kv bulk put --local` wrote about 55 entries a second
// on this machine), so the workerd test runs the same segments with 1,000 tokens and a lowered
// budget (tests/service/bulk-invalidation-workerd.test.mjs).
import assert from "node:assert/strict";
import { countingKv } from "./counting-kv.mjs";
import { indexEntries, nameDigest } from "./seed.mjs";
import { SnapshotKV } from "./snapshot-kv.mjs";

export const REALM = "bench_realm";
export const USER = "bench_user";

export const SCOPES = Object.freeze([
  { label: "realm_name", body: { realm_name: REALM } },
  { label: "username", body: { username: USER } },
  { label: "realm_name+username", body: { realm_name: REALM, username: USER } },
]);

/**
 * `size` live tokens of USER in REALM, every `singlesEvery`-th with its access half invalidated by
 * itself (an `i:` key), beside tokens and watermarks of others that no count may include.
 * Returns the store, its entries, and the counts every scope must answer.
 */
export function buildFixture(size, { now = Date.now(), singlesEvery = 1_000 } = {}) {
  const entries = indexEntries(size, { username: USER, realm: REALM, now });
  const realm = nameDigest(REALM);
  let singles = 0;
  const indexed = entries.length;
  for (let i = 0; i < indexed; i += 2 * singlesEvery) {
    const docId = entries[i].name.split(":")[3];
    entries.push({ name: `i:${realm}:${nameDigest(USER)}:${docId}:a`, value: "1" });
    singles++;
  }
  for (let i = 0; i < 10; i++) {
    entries.push(...indexEntries(1, { username: `other_${i}`, realm: i % 2 ? REALM : "other_realm", now }));
    const other = nameDigest(`other_${i}`);
    entries.push({ name: `w:${realm}:${other}`, value: String(now), metadata: { t: now } });
    entries.push({ name: `w:*:${other}`, value: String(now), metadata: { t: now } });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kv = new SnapshotKV(entries, now);
  return {
    kv,
    entries,
    expected: { invalidated_tokens: 2 * size - singles, previously_invalidated_tokens: singles, error_count: 0 },
  };
}

/** One bulk invalidation, segment after segment; each segment's KV operations, wall and CPU ms. */
export async function invalidateInSegments(engine, kv, body, segmented = true) {
  const counter = countingKv(kv);
  const segments = [];
  const timed = async (call) => {
    counter.reset();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const out = await call();
    const used = process.cpuUsage(cpu);
    segments.push({
      ops: counter.total(),
      detail: counter.describe(),
      ms: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    });
    return out;
  };
  let out = await timed(() => engine.invalidateToken(counter.kv, body, { segmented }));
  while (typeof out?.continuation === "string") {
    const continuation = out.continuation;
    out = await timed(() => engine.continueInvalidation(counter.kv, continuation, { segmented }));
  }
  return { reply: out, segments };
}

/** Every scope over one fixture of `size` tokens; throws unless counts are exact and segments fit. */
export async function measureRealmInvalidation(engine, { size = 1_000_000, log = () => {} } = {}) {
  log(`realm invalidation: building ${size} tokens`);
  const { kv, expected } = buildFixture(size);
  const rows = [];
  for (const scope of SCOPES) {
    kv.reset(); // each scope sees the same store: its watermark write is undone
    const started = performance.now();
    const { reply, segments } = await invalidateInSegments(engine, kv, scope.body);
    const wallMs = performance.now() - started;
    assert.deepEqual(reply, expected, `${scope.label}: exact counts for ${size} tokens`);
    const maxOps = Math.max(...segments.map((s) => s.ops));
    assert.ok(maxOps <= 1_000, `${scope.label}: a segment made ${maxOps} KV operations`);
    rows.push({ scope: scope.label, size, reply, segments, maxOps, wallMs, cpuMs: segments.reduce((a, s) => a + s.cpuMs, 0) });
    log(
      `realm invalidation: ${scope.label}: ${segments.length} segments, ops ${segments.map((s) => s.ops).join("+")}, ${wallMs.toFixed(0)} ms`,
    );
  }
  return rows;
}

/**
 * Durable Object mode: the object runs the whole invalidation in one call (no limit per
 * invocation on its storage), through DurableObjectKV over a storage stub. What it measures is
 * the adapter's and the engine's CPU inside the object; SQLite's reads come on top.
 */
export async function measureDurableObjectInvalidation(engine, { size = 1_000_000, log = () => {} } = {}) {
  const { DurableObjectKV } = await import("../www/adapters/durable-object.js");
  const { DurableObjectStorageStub } = await import("./do-storage-stub.mjs");
  log(`realm invalidation (Durable Object): building ${size} tokens`);
  const now = Date.now();
  const { entries, expected } = buildFixture(size, { now });
  const storage = new DurableObjectStorageStub();
  const expiration = Math.floor(now / 1000) + 90_000;
  const rows = {};
  for (const { name, value, metadata } of entries) {
    rows[`d:${name}`] = metadata === undefined ? { v: value, x: expiration } : { v: value, m: metadata, x: expiration };
  }
  await storage.put(rows);
  const kv = new DurableObjectKV(storage, { now: () => now });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const reply = await engine.invalidateToken(kv, SCOPES[0].body, { now });
  const used = process.cpuUsage(cpu);
  assert.deepEqual(reply, expected, `Durable Object: exact counts for ${size} tokens`);
  return { size, reply, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}
