// Nothing grows without bound: after a realistic mixed workload, once 24 h plus the longest
// lifetime (documents live 24 h + 30 min from their creation, watermarks as long as what they
// cover) have passed since its last write, the in-memory store is empty. Every key carries an
// expiry all along. Driven by an injected clock, so the day passes at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createToken, checkToken, refreshToken, invalidateToken, MemoryKV } from "../../www/entry-node.js";
import { mixedWorkload } from "./workload.mjs";

const api = { createToken, checkToken, refreshToken, invalidateToken };
const LONGEST_LIFETIME_MS = (24 * 60 + 30) * 60_000;

test("after a mixed workload, the store empties once the longest lifetime has passed", async () => {
  let clock = Date.UTC(2026, 0, 1);
  const kv = new MemoryKV({ now: () => clock });
  const lastWrite = await mixedWorkload({
    call: (name, ...args) => api[name](kv, ...args),
    advance: (ms) => (clock += ms),
    now: () => clock,
  });

  const entries = [...kv.entries()];
  assert.ok(entries.length > 40, `the workload stored something (${entries.length} keys)`);
  const kinds = new Set(entries.map((e) => e.name.slice(0, 2)));
  for (const kind of ["t:", "r:", "u:", "w:"]) assert.ok(kinds.has(kind), `the workload wrote ${kind} keys`);
  for (const entry of entries) assert.ok(Number.isInteger(entry.expiration), `${entry.name} expires`);

  // A minute before the end, the latest writes are still there: the test can tell.
  clock = lastWrite + LONGEST_LIFETIME_MS - 60_000;
  assert.ok(kv.size > 0, "the last documents are still stored shortly before the end of their lifetime");

  clock = lastWrite + LONGEST_LIFETIME_MS + 1_000;
  assert.deepEqual(
    [...kv.entries()].map((e) => e.name),
    [],
  );
  assert.equal(kv.size, 0);
});
