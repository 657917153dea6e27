// checkToken ops/s on MemoryKV against the plain-JS floor (plain-check.mjs), in one process.
// The two alternate in short rounds so that load from other processes on a shared machine hits
// both alike; each side's result is the median of its rounds, and the ratio is the median of
// the per-round ratios.
import assert from "node:assert/strict";
import { plainCheck } from "./plain-check.mjs";

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Calls `fn` back to back for `ms` milliseconds; ops per second. */
async function rate(fn, ms) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 64; i++) await fn();
    n += 64;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

export async function measureCheckThroughput(api, MemoryKV, { rounds = 5, roundMs = 400 } = {}) {
  const kv = new MemoryKV();
  const token = await api.createToken(kv, {
    grant_type: "password",
    username: "token_user",
    realm: "default_native",
    roles: ["superuser"],
  });
  const plain = plainCheck(kv);

  // Both must agree on who the token belongs to before their speeds mean anything.
  const engineOwner = await api.checkToken(kv, token.access_token);
  const plainOwner = await plain(token.access_token, Date.now());
  assert.equal(plainOwner.username, engineOwner.username);

  const cases = {
    engine: () => api.checkToken(kv, token.access_token),
    plain: () => plain(token.access_token, Date.now()),
  };
  for (const fn of Object.values(cases)) await rate(fn, 200); // warm up both JITs
  const samples = { engine: [], plain: [], ratio: [] };
  for (let r = 0; r < rounds; r++) {
    const engine = await rate(cases.engine, roundMs);
    const plainRate = await rate(cases.plain, roundMs);
    samples.engine.push(engine);
    samples.plain.push(plainRate);
    samples.ratio.push(engine / plainRate);
  }
  return {
    engine: median(samples.engine),
    plain: median(samples.plain),
    ratio: median(samples.ratio),
    rounds,
    roundMs,
  };
}
