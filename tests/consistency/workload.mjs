// A realistic mixed workload for the cleanup tests, on any store: tokens for several users in
// several realms over a simulated hour and a half (password and client_credentials grants,
// refreshes, a replayed refresh, and every invalidate mode), returning the time of its last
// write. `call(name, ...args)` runs one API call on the store under test at the current time;
// `advance(ms)` moves that store's clock.
import assert from "node:assert/strict";

const MINUTE = 60_000;
/** The options of every refresh: the token secret (the service's TOKEN_SECRET). */
const REFRESH = { secret: "workload-token-secret-of-32-characters-or-more" };

export async function mixedWorkload({ call, advance, now }) {
  const users = [
    { username: "alice", realm: "default_native" },
    { username: "bob", realm: "default_native" },
    { username: "carol", realm: "ldap1" },
    { username: "alice", realm: "ldap1" }, // same name, another realm
  ];
  const tokens = [];
  for (let round = 0; round < 3; round++) {
    for (const user of users) {
      const grant = round === 2 ? "client_credentials" : "password";
      tokens.push({ user, ...(await call("createToken", { grant_type: grant, ...user, roles: ["superuser"] })) });
    }
    await advance(10 * MINUTE);
  }
  const withRefresh = tokens.filter((t) => t.refresh_token);

  // Refresh a few, one of them twice within 30 s (the replay returns the same pair), and
  // refresh a successor again (a chain of documents).
  const first = await call("refreshToken", withRefresh[0].refresh_token, withRefresh[0].user, REFRESH);
  await advance(10_000);
  const replay = await call("refreshToken", withRefresh[0].refresh_token, withRefresh[0].user, REFRESH);
  assert.equal(replay.access_token, first.access_token);
  await advance(5 * MINUTE);
  await call("refreshToken", first.refresh_token, withRefresh[0].user, REFRESH);
  await call("refreshToken", withRefresh[1].refresh_token, withRefresh[1].user, REFRESH);
  await advance(5 * MINUTE);

  // Every invalidate mode.
  const counted = (r) => r.invalidated_tokens + r.previously_invalidated_tokens;
  assert.equal((await call("invalidateToken", { token: withRefresh[2].access_token })).invalidated_tokens, 1);
  assert.equal((await call("invalidateToken", { refresh_token: withRefresh[3].refresh_token })).invalidated_tokens, 1);
  await advance(MINUTE);
  assert.ok(counted(await call("invalidateToken", { username: "bob" })) > 0);
  assert.ok(counted(await call("invalidateToken", { realm_name: "ldap1", username: "carol" })) > 0);
  await advance(MINUTE);
  assert.ok(counted(await call("invalidateToken", { realm_name: "default_native" })) > 0);
  // A token created after the realm was invalidated, then invalidated by username.
  await advance(10 * MINUTE);
  const late = await call("createToken", { grant_type: "password", username: "dave", realm: "default_native" });
  await call("checkToken", late.access_token);
  assert.ok(counted(await call("invalidateToken", { username: "dave" })) > 0);
  return now();
}
