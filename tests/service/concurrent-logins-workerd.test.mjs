// Concurrent password logins on workerd (`wrangler dev`, local KV): bursts of password grants
// 10 at a time, each burst's first logins not yet in the realm cache (so some attempts wait in
// the login throttle for others' checks, across requests), then revokes by a Basic caller 10 at
// a time. Every answer must be the service's own: a status under 500 with a JSON body. A 500
// without a body is workerd's, not ours (a request it cancelled as hung, an uncaught exception,
// a promise that never settles); a failure prints what workerd and wrangler logged, to tell which.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ELASTIC_PASSWORD, basic, pool, startWrangler } from "./helpers.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-concurrent-"));
const server = await startWrangler({ persistTo });
after(async () => {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

const ADMIN = basic("elastic", ELASTIC_PASSWORD);
const USERS = ["burst_a", "burst_b", "burst_c", "burst_d"];
const PW = "burst-password";
const REVOKER = { username: "burst_revoker", password: "burst-revoker-password" };
const CONCURRENCY = 10;
const GRANTS_PER_USER = 60;

/** Every answer, kept for the failure message: method, path, status and the body's text. */
const answers = [];

async function call(method, path, auth, body) {
  const headers = { authorization: auth };
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = server.url.replace(/\/$/, "") + path;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  const seen = { method, path, user: body?.username, status: response.status, text: text.slice(0, 300), json };
  answers.push(seen);
  return seen;
}

/** Fails with every bad answer and workerd's log unless all answers were the service's own. */
function assertAllServiceAnswers(stage) {
  const bad = answers.filter((a) => a.status >= 500 || a.json === undefined);
  if (bad.length === 0) return;
  const shown = bad.slice(0, 10).map((a) => `${a.method} ${a.path} ${a.user ?? ""} -> ${a.status} ${JSON.stringify(a.text)}`);
  assert.fail(
    `${stage}: ${bad.length} of ${answers.length} answers were not the service's own (>= 500 or no JSON body):\n` +
      `${shown.join("\n")}\n--- wrangler/workerd output ---\n${server.output()}`,
  );
}

test("concurrent password grants and revokes on workerd: every answer is the service's own", { timeout: 120_000 }, async () => {
  for (const [username, password, roles] of [
    ...USERS.map((u) => [u, PW, ["superuser"]]),
    [REVOKER.username, REVOKER.password, ["token_admin"]],
  ]) {
    const made = await call("PUT", `/_security/user/${username}`, ADMIN, { password, roles });
    assert.equal(made.status, 200, made.text);
  }
  const grant = (username) => call("POST", "/_security/oauth2/token", ADMIN, { grant_type: "password", username, password: PW });

  // Per user: a burst of 10 whose logins are all uncached (the cache learns the password from the
  // first that succeeds, after its slow hash), then the rest 10 at a time, mostly cached.
  const tokens = [];
  for (const username of USERS) {
    const made = await pool(GRANTS_PER_USER, CONCURRENCY, () => grant(username));
    assertAllServiceAnswers(`password grants of ${username}`);
    for (const m of made) {
      assert.equal(m.status, 200, m.text);
      tokens.push(m.json.access_token);
    }
  }
  // The cache emptied, and all users' logins uncached at once, interleaved.
  const cleared = await call("POST", "/_security/realm/*/_clear_cache", ADMIN);
  assert.equal(cleared.status, 200, cleared.text);
  await pool(4 * CONCURRENCY, CONCURRENCY, (i) => grant(USERS[i % USERS.length]));
  assertAllServiceAnswers("password grants after _clear_cache");

  // Revokes by a Basic caller (its first logins uncached too), each token once.
  const caller = basic(REVOKER.username, REVOKER.password);
  const revoked = await pool(tokens.length, CONCURRENCY, (i) =>
    call("DELETE", "/_security/oauth2/token", caller, { token: tokens[i] }),
  );
  assertAllServiceAnswers("revokes");
  for (const r of revoked) assert.deepEqual(r.json, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
});
