// The realms' cache of logins (§17): a repeat Basic login costs no PBKDF2 (derivations are
// counted, never timed), entries go at max_users and after the TTL (MemoryKV's clock), a
// change made here forgets the user, `_clear_cache` answers as ES, and neither a wrong password
// nor a throttled username is ever answered from the cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";
import { ADMIN, ELASTIC_PASSWORD, basic, inProcess, withDerivations } from "./helpers.mjs";

const PW = "cached-password-1";

/** A handler on a MemoryKV whose clock the test moves (`clock.t`), with users `names`. */
async function service(names = ["joe"], env = {}) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const kv = new MemoryKV({ now: () => clock.t });
  const svc = await inProcess({ TOKENS: kv, ...env });
  for (const name of names) {
    const put = await svc.call("PUT", `/_security/user/${name}`, { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
    assert.equal(put.status, 200);
  }
  const who = async (auth) => {
    const { result, derivations } = await withDerivations(() => svc.call("GET", "/_security/_authenticate", { auth }));
    return { status: result.status, username: result.body?.username, derivations };
  };
  return { ...svc, clock, who };
}

test("a repeat Basic login is answered from the cache: no PBKDF2; elastic too", async () => {
  const { who } = await service();
  assert.deepEqual(await who(basic("joe", PW)), { status: 200, username: "joe", derivations: 1 });
  assert.deepEqual(await who(basic("joe", PW)), { status: 200, username: "joe", derivations: 0 });
  await who(ADMIN);
  assert.deepEqual(await who(ADMIN), { status: 200, username: "elastic", derivations: 0 });
});

test("a wrong password after a cached right one is a 401 checked by the store, and drops the entry (ES)", async () => {
  const { who } = await service();
  await who(basic("joe", PW));
  assert.deepEqual(await who(basic("joe", "wrong")), { status: 401, username: undefined, derivations: 1 });
  // ES: the mismatch cleared the entry, so the right password goes to the store once more.
  assert.deepEqual(await who(basic("joe", PW)), { status: 200, username: "joe", derivations: 1 });
});

test("a throttled client stays throttled although the cache knows the password", async () => {
  const { handle } = await service();
  const from = async (clientAddress, password) => {
    const request = new Request("http://edge.test/_security/_authenticate", {
      headers: { authorization: basic("joe", password) },
    });
    const { result, derivations } = await withDerivations(() => handle(request, { clientAddress }));
    return [result.status, derivations];
  };
  // Six failures lock client 10.0.0.1 out of joe (login-throttle.js) ...
  for (let i = 0; i < 6; i++) await from("10.0.0.1", `wrong-${i}`);
  // ... while 10.0.0.2 logs in, so that joe's password is cached,
  assert.deepEqual(await from("10.0.0.2", PW), [200, 1]);
  assert.deepEqual(await from("10.0.0.2", PW), [200, 0]);
  // and the locked client's right password is refused all the same.
  assert.deepEqual(await from("10.0.0.1", PW), [401, 0]);
  assert.deepEqual(await from("10.0.0.2", PW), [200, 0]);
});

test("entries expire cache.ttl after their write (REALM_CACHE_TTL), by the store's clock", async () => {
  const { who, clock } = await service(["joe"], { REALM_CACHE_TTL: "1m" });
  await who(basic("joe", PW));
  clock.t += 59_000;
  assert.equal((await who(basic("joe", PW))).derivations, 0);
  clock.t += 1_000;
  assert.equal((await who(basic("joe", PW))).derivations, 1);
  assert.equal((await who(basic("joe", PW))).derivations, 0);
});

test("past cache.max_users the least recently used user goes first", async () => {
  const { who } = await service(["a", "b", "c"], { REALM_CACHE_MAX_USERS: 2 });
  await who(basic("a", PW));
  await who(basic("b", PW));
  await who(basic("a", PW)); // a is now the most recently used
  await who(basic("c", PW)); // evicts b
  assert.equal((await who(basic("a", PW))).derivations, 0);
  assert.equal((await who(basic("c", PW))).derivations, 0);
  assert.equal((await who(basic("b", PW))).derivations, 1);
});

test("a TTL of 0 turns the cache off; bad settings fail at start-up with the setting's name", async () => {
  const { who } = await service(["joe"], { REALM_CACHE_TTL: "0s" });
  await who(basic("joe", PW));
  assert.equal((await who(basic("joe", PW))).derivations, 1);
  const rows = [
    [{ REALM_CACHE_TTL: "20" }, /cache\.ttl/],
    [{ REALM_CACHE_MAX_USERS: "many" }, /cache\.max_users/],
    [{ REALM_CACHE_HASH_ALGO: "bcrypt" }, /cache\.hash_algo/],
  ];
  for (const [env, message] of rows) await assert.rejects(inProcess(env), message);
});

test("a password change, a delete and a disable made here forget the user at once", async () => {
  const { call, who } = await service(["joe", "ann", "bob"]);
  for (const name of ["joe", "ann", "bob"]) await who(basic(name, PW));
  const changed = await call("PUT", "/_security/user/joe", { auth: ADMIN, body: { password: "new-password-1", roles: [] } });
  assert.equal(changed.status, 200);
  assert.equal((await who(basic("joe", PW))).status, 401);
  assert.deepEqual(await who(basic("joe", "new-password-1")), { status: 200, username: "joe", derivations: 1 });
  assert.equal((await call("DELETE", "/_security/user/ann", { auth: ADMIN })).status, 200);
  assert.equal((await who(basic("ann", PW))).status, 401);
  assert.equal((await call("PUT", "/_security/user/bob/_disable", { auth: ADMIN })).status, 200);
  assert.equal((await who(basic("bob", PW))).status, 401);
});

test("a password grant with cached Basic and a cached user costs no PBKDF2", async () => {
  const { call } = await service();
  const grant = () =>
    withDerivations(() =>
      call("POST", "/_security/oauth2/token", {
        auth: basic("joe", PW),
        body: { grant_type: "password", username: "joe", password: PW },
      }),
    );
  assert.equal((await grant()).result.status, 200);
  const again = await grant();
  assert.deepEqual([again.result.status, again.derivations], [200, 0]);
});

const NODES = { total: 1, successful: 1, failed: 0 };

test("POST /_security/realm/{realms}/_clear_cache: ES's body, usernames, realms, and its 403", async () => {
  const { call, who } = await service(["joe", "ann", "sec"]);
  await call("PUT", "/_security/user/sec", { auth: ADMIN, body: { password: PW, roles: ["security_admin"] } });
  for (const name of ["joe", "ann"]) await who(basic(name, PW));
  const cleared = await call("POST", "/_security/realm/default_native/_clear_cache?usernames=joe", { auth: basic("sec", PW) });
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.body, { _nodes: NODES, cluster_name: "edge-token", nodes: { "edge-token": { name: "edge-token" } } });
  assert.equal((await who(basic("joe", PW))).derivations, 1);
  assert.equal((await who(basic("ann", PW))).derivations, 0);
  // `*` is every realm; no usernames, every user (sec's own entry included).
  assert.equal((await call("POST", "/_security/realm/*/_clear_cache", { auth: basic("sec", PW) })).status, 200);
  assert.equal((await who(basic("ann", PW))).derivations, 1);
  await who(ADMIN);
  await call("POST", "/_security/realm/reserved/_clear_cache", { auth: ADMIN });
  assert.equal((await who(ADMIN)).derivations, 1);

  const unknown = await call("POST", "/_security/realm/nope/_clear_cache", { auth: ADMIN });
  assert.equal(unknown.status, 200);
  assert.deepEqual(unknown.body._nodes.failures[0].caused_by, {
    type: "illegal_argument_exception",
    reason: "could not find active realm [nope]",
  });
  const denied = await call("POST", "/_security/realm/*/_clear_cache", { auth: basic("joe", PW) });
  assert.equal(denied.status, 403);
  assert.match(
    denied.body.error.reason,
    /action \[cluster:admin\/xpack\/security\/realm\/cache\/clear\] is unauthorized for user \[joe\]/,
  );
  assert.equal((await call("GET", "/_security/realm/*/_clear_cache", { auth: ADMIN })).status, 405);
});

test("ELASTIC_PASSWORD in the env is what a cached elastic login matches", async () => {
  const { who } = await service([]);
  await who(basic("elastic", ELASTIC_PASSWORD));
  assert.equal((await who(basic("elastic", `${ELASTIC_PASSWORD}x`))).status, 401);
});
