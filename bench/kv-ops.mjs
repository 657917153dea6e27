// KV operations per engine call, counted through countingKv, for realms of growing size.
//
// Fixture for size N: realm "bench_realm" holds N live password-grant tokens, all of user
// "bench_user" (so the realm, the user, and the user in the realm each cover exactly N
// tokens), beside 10 tokens of other users in another realm that no listing may touch.
// Bulk invalidation only ever writes one watermark key, so after measuring a bulk mode the
// benchmark deletes that key again and the next mode sees the same fixture.
import assert from "node:assert/strict";
import { countingKv } from "./counting-kv.mjs";
import { nameDigest, seedToken } from "./seed.mjs";
import { SnapshotKV } from "./snapshot-kv.mjs";

const REALM = "bench_realm";
const USER = "bench_user";
const CLIENT = { username: USER, realm: REALM };
const PASSWORD_GRANT = { grant_type: "password", username: USER, realm: REALM, roles: ["superuser"] };

const BULK_MODES = [
  { label: "invalidate realm_name", body: { realm_name: REALM }, watermark: () => `w:${nameDigest(REALM)}` },
  { label: "invalidate username", body: { username: USER }, watermark: () => `w:*:${nameDigest(USER)}` },
  {
    label: "invalidate realm_name+username",
    body: { realm_name: REALM, username: USER },
    watermark: () => `w:${nameDigest(REALM)}:${nameDigest(USER)}`,
  },
];

/** Builds the fixture; `direct` writes the schema entries itself instead of calling createToken. */
async function buildFixture(api, MemoryKV, size, { direct, now }) {
  const store = new MemoryKV({ now: () => now });
  for (let i = 0; i < 10; i++) {
    await api.createToken(store, { grant_type: "password", username: `other_${i}`, realm: "other_realm" });
  }
  const tokens = [];
  for (let i = 0; i < size; i++) {
    tokens.push(
      direct ? await seedToken(store, { username: USER, realm: REALM, now }) : await api.createToken(store, PASSWORD_GRANT),
    );
  }
  return { store, tokens };
}

/** Runs one call through a fresh counter; returns its op counts, result and wall time. */
async function counted(store, call) {
  const counter = countingKv(store);
  const started = performance.now();
  let result;
  try {
    result = await call(counter.kv);
  } catch (error) {
    result = { status: error.status, body: error.body };
  }
  return { ops: counter.total(), detail: counter.describe(), result, ms: performance.now() - started };
}

/** Every measured call on one fixture, in an order where earlier calls do not disturb later ones. */
async function measureFixture(api, MemoryKV, { store, tokens }, size) {
  const rows = {};
  rows.check = await counted(store, (kv) => api.checkToken(kv, tokens[0].access_token));
  assert.equal(rows.check.result.username, USER, "check of a live token succeeds");

  for (const mode of BULK_MODES) {
    const before = store.size;
    const row = await counted(store, (kv) => api.invalidateToken(kv, mode.body));
    assert.deepEqual(
      row.result,
      { invalidated_tokens: 2 * size, previously_invalidated_tokens: 0, error_count: 0 },
      `${mode.label}: exact counts for ${size} tokens (two halves each)`,
    );
    assert.equal(store.size, before + 1, `${mode.label} writes exactly one key`);
    assert.notEqual(await store.get(mode.watermark()), null, `${mode.label} wrote its watermark`);
    await store.delete(mode.watermark()); // back to the fixture for the next mode
    rows[mode.label] = row;
  }

  // The engine's own time per bulk invalidation, on a snapshot binding that costs next to
  // nothing (MemoryKV's listing is part of the wall times above): median of 3 runs (1 at 100k).
  const snapshot = new SnapshotKV(store.entries(), store.now());
  const runs = size >= 100_000 ? 1 : 3;
  for (const mode of BULK_MODES) {
    const times = [];
    for (let run = 0; run < runs; run++) {
      snapshot.reset();
      const started = performance.now();
      const result = await api.invalidateToken(snapshot, mode.body);
      times.push(performance.now() - started);
      assert.equal(result.invalidated_tokens, 2 * size, "the snapshot holds the same fixture");
    }
    rows[mode.label].engineMs = times.sort((a, b) => a - b)[times.length >> 1];
  }

  rows.create = await counted(store, (kv) => api.createToken(kv, PASSWORD_GRANT));
  // The engine remembers the bulk invalidations it began in the last minute (a refresh racing
  // one never escapes it), although their watermarks were deleted above; it forgets them when
  // it begins another one a minute later: an invalidation of nobody's tokens, on a scratch store.
  await api.invalidateToken(new MemoryKV(), { username: "nobody" }, { now: store.now() + 61_000 });
  rows.refresh = await counted(store, (kv) =>
    api.refreshToken(kv, tokens[1].refresh_token, CLIENT, { secret: "kv-ops-bench-token-secret-of-32-characters" }),
  );
  assert.ok(rows.refresh.result.access_token, "refresh succeeds");
  rows["invalidate token"] = await counted(store, (kv) => api.invalidateToken(kv, { token: tokens[2].access_token }));
  rows["invalidate refresh_token"] = await counted(store, (kv) =>
    api.invalidateToken(kv, { refresh_token: tokens[3].refresh_token }),
  );
  for (const label of ["invalidate token", "invalidate refresh_token"]) {
    assert.deepEqual(rows[label].result, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
  }
  return rows;
}

/**
 * Measures every size; sizes from `directFrom` on are seeded directly, and at `verifyAt` both
 * ways are measured and must give identical op counts and results.
 */
export async function measureKvOps(
  api,
  MemoryKV,
  { sizes = [10, 1_000, 10_000, 100_000], directFrom = 100_000, verifyAt = 1_000, log = () => {} } = {},
) {
  const now = Date.now();
  const bySize = new Map();
  for (const size of sizes) {
    const direct = size >= directFrom;
    log(`kv ops: building a realm of ${size} tokens (${direct ? "written directly" : "createToken"})`);
    const fixture = await buildFixture(api, MemoryKV, Math.max(size, 4), { direct, now });
    bySize.set(size, { direct, rows: await measureFixture(api, MemoryKV, fixture, Math.max(size, 4)) });
  }
  let verification = null;
  if (verifyAt) {
    log(`kv ops: verifying direct-written against engine-written entries at ${verifyAt} tokens`);
    const shape = (rows) =>
      Object.fromEntries(
        Object.entries(rows).map(([k, r]) => [
          k,
          { detail: r.detail, result: k === "check" ? r.result.username : normalise(r.result) },
        ]),
      );
    const real = shape(
      await measureFixture(api, MemoryKV, await buildFixture(api, MemoryKV, verifyAt, { direct: false, now }), verifyAt),
    );
    const seeded = shape(
      await measureFixture(api, MemoryKV, await buildFixture(api, MemoryKV, verifyAt, { direct: true, now }), verifyAt),
    );
    assert.deepEqual(seeded, real, "direct-written entries behave exactly like engine-written ones");
    verification = { size: verifyAt, identical: true };
  }
  return { bySize, verification };
}

// Fresh tokens differ between runs; only the shape of a token response is compared.
function normalise(result) {
  if (result && typeof result.access_token === "string") return { ...result, access_token: "<token>", refresh_token: "<token>" };
  return result;
}
