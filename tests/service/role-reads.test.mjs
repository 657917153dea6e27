// The stored roles one request reads for its caller are bounded (src/native_roles.rs
// MAX_STORED_ROLE_READS): put-user refuses a user who could need more than 1,000, and of a
// user stored with more (before the bound, or by hand) the first 1,000 are read. KV operations
// are counted as Workers counts them (bench/counting-kv.mjs): deterministic, asserted exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { countingKv } from "../../bench/counting-kv.mjs";
import { MemoryKV } from "../../www/memory-kv.js";
import { ADMIN, basic, inProcess } from "./helpers.mjs";

const PW = "many-roles-password";
const names = (n) => Array.from({ length: n }, (_, i) => `stored_${i}`);

test("put-user refuses more than 1,000 roles that may be stored, with a validation error", async () => {
  const { call } = await inProcess({ TOKENS: new MemoryKV() });
  const refused = await call("PUT", "/_security/user/many", { auth: ADMIN, body: { password: PW, roles: names(1001) } });
  assert.equal(refused.status, 400);
  assert.equal(
    refused.body.error.reason,
    "Validation Failed: 1: a user can be assigned at most [1000] roles other than the reserved roles, got [1001];",
  );
  // Reserved roles and repeated names need no read of their own.
  const roles = [...names(1000), "stored_0", "superuser", "viewer"];
  const taken = await call("PUT", "/_security/user/many", { auth: ADMIN, body: { password: PW, roles } });
  assert.equal(taken.status, 200);
});

test("a user stored with 2,500 roles costs the KV operations of one with 1,000", async () => {
  const kv = new MemoryKV();
  const counter = countingKv(kv);
  const { call } = await inProcess({ TOKENS: counter.kv });
  /** The operations of _authenticate for user `name` holding `n` stored-role names (written by hand past 1,000). */
  const opsWith = async (name, n) => {
    const put = await call("PUT", `/_security/user/${name}`, { auth: ADMIN, body: { password: PW, roles: names(1) } });
    assert.equal(put.status, 200);
    const before = (await kv.list({ prefix: "user:" })).keys.map((k) => k.name);
    for (const key of before) {
      const record = JSON.parse(await kv.get(key));
      if (record.username === name) await kv.put(key, JSON.stringify({ ...record, roles: names(n) }));
    }
    const auth = basic(name, PW);
    assert.equal((await call("GET", "/_security/_authenticate", { auth })).status, 200);
    counter.reset();
    const reply = await call("GET", "/_security/_authenticate", { auth });
    assert.deepEqual([reply.status, reply.body.roles.length], [200, n]);
    return counter.describe();
  };
  const thousand = await opsWith("thousand", 1000);
  assert.match(thousand, /bulk 10\b/);
  assert.equal(await opsWith("more", 2500), thousand);
});
