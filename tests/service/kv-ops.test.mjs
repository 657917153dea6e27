// KV operations of revoking one token over HTTP, the caller's authentication included, counted
// as Workers counts them (bench/counting-kv.mjs): deterministic, so asserted exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { countingKv } from "../../bench/counting-kv.mjs";
import { MemoryKV } from "../../www/memory-kv.js";
import { ADMIN, basic, bearer, inProcess } from "./helpers.mjs";

const PW = "revoker-password";

async function setUp() {
  const counter = countingKv(new MemoryKV());
  const { call } = await inProcess({ TOKENS: counter.kv });
  await call("PUT", "/_security/user/revoker", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const grant = async () =>
    (
      await call("POST", "/_security/oauth2/token", {
        auth: ADMIN,
        body: { grant_type: "password", username: "revoker", password: PW },
      })
    ).body;
  /** The operations of one request, with its answer. */
  const counted = async (...args) => {
    counter.reset();
    const reply = await call(...args);
    return { status: reply.status, body: reply.body, ops: counter.describe() };
  };
  return { call, grant, counted };
}

test("revoking one token with a cached Basic login costs 3 KV operations; ES's counts and halves stay", async () => {
  const { call, grant, counted } = await setUp();
  const pair = await grant();
  assert.equal((await call("GET", "/_security/_authenticate", { auth: basic("revoker", PW) })).status, 200);
  const auth = basic("revoker", PW);
  const revoke = (body) => counted("DELETE", "/_security/oauth2/token", { auth, body });
  // The throttle's state (the login is cached); the document with its status, named by the
  // token's owner tag (one bulk get); the half's key.
  assert.deepEqual(await revoke({ token: pair.access_token }), {
    status: 200,
    body: { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 },
    ops: "3 (get 1, bulk 1, put 1)",
  });
  const again = await revoke({ token: pair.access_token });
  assert.deepEqual([again.body.previously_invalidated_tokens, again.ops], [1, "2 (get 1, bulk 1)"]);
  // The refresh half is its own: still live, then invalidated for the same 3.
  const refresh = await revoke({ refresh_token: pair.refresh_token });
  assert.deepEqual([refresh.body.invalidated_tokens, refresh.ops], [1, "3 (get 1, bulk 1, put 1)"]);
});

test("with a bearer token as the caller it is 3: the caller's check is one bulk get", async () => {
  const { grant, counted } = await setUp();
  const [caller, victim] = [await grant(), await grant()];
  const revoked = await counted("DELETE", "/_security/oauth2/token", {
    auth: bearer(caller.access_token),
    body: { token: victim.access_token },
  });
  assert.deepEqual([revoked.status, revoked.ops], [200, "3 (bulk 2, put 1)"]);
  const checked = await counted("GET", "/_security/_authenticate", { auth: bearer(caller.access_token) });
  assert.deepEqual([checked.status, checked.body.username, checked.ops], [200, "revoker", "1 (bulk 1)"]);
});
