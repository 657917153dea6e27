// The audit trail (§15): every event type, field by field, from requests made in process with
// AUDIT_ENABLED; the include/exclude settings; the Queue sink; and that no event ever carries a
// secret (passwords, tokens, hashes, the TOKEN_SECRET) whatever the request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ELASTIC_PASSWORD, TOKEN_SECRET, basic, bearer, engineApi, inProcess } from "./helpers.mjs";

const PW = "bob-secret-password";

/** Runs `fn` with console.log captured; returns the audit events it printed, parsed. */
async function captured(fn) {
  const lines = [];
  const log = console.log;
  console.log = (line) => lines.push(line);
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines.map((line) => JSON.parse(line));
}

const COMMON = ["type", "timestamp", "event.type", "event.action"];
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}\+0000$/;

function check(event, expected) {
  assert.deepEqual(Object.keys(event).slice(0, 4), COMMON);
  assert.equal(event.type, "audit");
  assert.match(event.timestamp, TIMESTAMP);
  assert.match(event["request.id"], /^[A-Za-z0-9_-]{22}$/);
  assert.equal(event["origin.type"], "rest");
  const { timestamp: _at, "request.id": _id, ...rest } = event;
  assert.deepEqual(rest, { type: "audit", ...expected, "origin.type": "rest" });
}

test("every event type, field by field", async () => {
  const { call } = await inProcess({ AUDIT_ENABLED: "true", AUDIT_EVENTS_INCLUDE: "_all" });
  const events = await captured(async () => {
    await call("GET", "/_security/_authenticate?pretty", { headers: { "x-opaque-id": "op-1" } });
    await call("GET", "/_security/_authenticate", { auth: basic("elastic", "wrong") });
    await call("GET", "/_security/_authenticate", { auth: "Basic !!!" });
    await call("DELETE", "/_security/user/nobody", { auth: basic("tok", PW) });
  });
  const rest = (action, extra) => ({
    "event.type": "rest",
    "event.action": action,
    ...extra,
    "origin.address": "unknown",
  });
  assert.deepEqual(
    events.map((e) => e["event.action"]),
    ["anonymous_access_denied", "authentication_failed", "tampered_request", "authentication_failed"],
  );
  check(events[0], {
    ...rest("anonymous_access_denied", {}),
    "url.path": "/_security/_authenticate",
    "url.query": "pretty",
    "request.method": "GET",
    opaque_id: "op-1",
  });
  check(events[1], {
    ...rest("authentication_failed", { "user.name": "elastic" }),
    "url.path": "/_security/_authenticate",
    "request.method": "GET",
  });
  check(events[2], { ...rest("tampered_request", {}), "url.path": "/_security/_authenticate", "request.method": "GET" });

  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const changes = await captured(async () => {
    await call("PUT", "/_security/user/bob", {
      auth: ADMIN,
      body: { password: PW, roles: ["r1"], full_name: "Bob B", email: "b@example.com", metadata: { a: 1 } },
    });
    await call("PUT", "/_security/user/bob/_password", { auth: ADMIN, body: { password: "second-password-1" } });
    await call("PUT", "/_security/user/bob/_disable", { auth: ADMIN });
    await call("PUT", "/_security/user/bob/_enable", { auth: ADMIN });
    await call("PUT", "/_security/role/r1", { auth: ADMIN, body: { cluster: ["manage_token"] } });
    await call("DELETE", "/_security/role/r1", { auth: ADMIN });
    await call("DELETE", "/_security/user/bob", { auth: basic("tok", PW) });
    await call("DELETE", "/_security/user/bob", { auth: ADMIN });
  });
  const byAction = (action) => changes.filter((e) => e["event.action"] === action);
  const admin = { "user.name": "elastic", "user.realm": "reserved" };
  check(byAction("authentication_success")[0], {
    "event.type": "rest",
    "event.action": "authentication_success",
    ...admin,
    "origin.address": "unknown",
    "url.path": "/_security/user/bob",
    "request.method": "PUT",
  });
  check(byAction("access_granted")[0], {
    "event.type": "transport",
    "event.action": "access_granted",
    ...admin,
    "user.roles": ["superuser"],
    "authentication.type": "REALM",
    action: "cluster:admin/xpack/security/user/put",
    "request.name": "PutUserRequest",
    "origin.address": "unknown",
  });
  check(byAction("access_denied")[0], {
    "event.type": "transport",
    "event.action": "access_denied",
    "user.name": "tok",
    "user.realm": "default_native",
    "user.roles": ["token_admin"],
    "authentication.type": "REALM",
    action: "cluster:admin/xpack/security/user/delete",
    "request.name": "DeleteUserRequest",
    "origin.address": "unknown",
  });
  const change = (action, member, detail) => ({
    "event.type": "security_config_change",
    "event.action": action,
    ...admin,
    [member]: detail,
    "origin.address": "unknown",
  });
  const user = { name: "bob", enabled: true, roles: ["r1"], full_name: "Bob B", email: "b@example.com" };
  check(byAction("put_user")[0], change("put_user", "put", { user: { ...user, has_password: true, metadata: { a: 1 } } }));
  check(byAction("change_password")[0], change("change_password", "change", { password: { user: { name: "bob" } } }));
  check(byAction("change_disable_user")[0], change("change_disable_user", "change", { disable: { user: { name: "bob" } } }));
  check(byAction("change_enable_user")[0], change("change_enable_user", "change", { enable: { user: { name: "bob" } } }));
  const descriptor = { cluster: ["manage_token"] };
  check(byAction("put_role")[0], change("put_role", "put", { role: { name: "r1", role_descriptor: descriptor } }));
  check(byAction("delete_role")[0], change("delete_role", "delete", { role: { name: "r1" } }));
  assert.equal(byAction("delete_user").length, 1, "the denied delete changed nothing");
  check(byAction("delete_user")[0], change("delete_user", "delete", { user: { name: "bob" } }));
});

test("origin.address is the host's address as the core records it, and the throttle's client is read from it", async () => {
  const { handle } = await inProcess({ AUDIT_ENABLED: "true" });
  const engine = await engineApi();
  const throttle = engine.loginThrottle();
  const pair = (address) => throttle("pair", "login:k", address, Date.now());
  const emoji = "\u{1F600}";
  // [what the host passes, origin.address]: none, a number (not a string: none), an address, an
  // IPv6 one (recorded whole; its client is its /64), 200 characters (cut to 64), non-ASCII text
  // cut at 64 code points (64 UTF-16 units would split the emoji, and lose the request's events).
  const rows = [
    [undefined, "unknown"],
    [42, "unknown"],
    ["192.0.2.1", "192.0.2.1"],
    ["2001:db8:1:2::7", "2001:db8:1:2::7"],
    ["x".repeat(200), "x".repeat(64)],
    [`${"a".repeat(63)}${emoji}tail`, `${"a".repeat(63)}${emoji}`],
    ["é".repeat(100), "é".repeat(64)],
  ];
  // A failed login: the throttle is given the same address (a 401, not a 500, for a number too).
  const login = { headers: { authorization: basic("nobody", "wrong-password") } };
  for (const [address, recorded] of rows) {
    let status;
    const events = await captured(async () => {
      const out = await handle(new Request("http://edge.test/_security/_authenticate", login), { clientAddress: address });
      status = out.status;
    });
    assert.equal(status, 401, String(address));
    assert.deepEqual(
      events.map((e) => [e["event.action"], e["origin.address"]]),
      [["authentication_failed", recorded]],
      String(address),
    );
    const raw = typeof address === "string" ? address : undefined;
    assert.equal(pair(raw), pair(recorded), `one client for ${String(address).slice(0, 20)}`);
  }
  assert.equal(pair("2001:db8:1:2::7"), "login:k 2001:db8:1:2::/64");
  assert.equal(pair(undefined), "login:k unknown");
});

test("token creation and invalidation carry the grant, the scope and ES's counts", async () => {
  const { call } = await inProcess({ AUDIT_ENABLED: "true" });
  const events = await captured(async () => {
    const grant = { grant_type: "password", username: "elastic", password: ELASTIC_PASSWORD };
    const token = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant })).body;
    await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: token.access_token } });
    await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { username: "elastic", realm_name: "reserved" } });
  });
  const changes = events.filter((e) => e["event.type"] === "security_config_change");
  assert.deepEqual(changes[0].create, { token: { grant_type: "password", user: { name: "elastic" } } });
  const scope = (kind, username, realm, n, p) => ({
    tokens: { scope: kind, username, realm_name: realm, invalidated: n, previously_invalidated: p, errors: 0 },
  });
  assert.deepEqual(changes[1].invalidate, scope("token", null, null, 1, 0));
  assert.deepEqual(
    changes[2].invalidate,
    scope("user_or_realm", "elastic", "reserved", 1, 1),
    "its refresh half, then the access half",
  );
  assert.ok(!events.some((e) => e["event.action"] === "authentication_success"), "not in ES's default include list");
});

test("no event carries a password, a token, a hash or the TOKEN_SECRET", async () => {
  const { call, kv } = await inProcess({ AUDIT_ENABLED: "true", AUDIT_EVENTS_INCLUDE: "_all" });
  const secrets = [ELASTIC_PASSWORD, TOKEN_SECRET, PW, "second-password-1"];
  const text = await captured(async () => {
    await call("PUT", "/_security/user/bob", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
    const grant = { grant_type: "password", username: "bob", password: PW };
    const token = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant })).body;
    secrets.push(token.access_token, token.refresh_token);
    await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) });
    const refresh = { grant_type: "refresh_token", refresh_token: token.refresh_token };
    const next = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: refresh })).body;
    secrets.push(next.access_token, next.refresh_token);
    await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { refresh_token: next.refresh_token } });
    await call("GET", "/_security/_authenticate", { auth: basic("bob", "second-password-1") });
    await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) });
  }).then((events) => JSON.stringify(events));
  const { keys } = await kv.list({ prefix: "user:" });
  for (const { name } of keys) {
    const record = JSON.parse(await kv.get(name));
    if (typeof record.password_hash === "string") secrets.push(record.password_hash);
  }
  assert.ok(text.length > 1000, "events were written");
  assert.equal(secrets.length, 9, "4 passwords and secrets, 4 tokens, 1 stored hash");
  for (const secret of secrets) assert.ok(!text.includes(secret), `an event carries ${secret.slice(0, 6)}…`);
});

test("off by default; a bad event list is a configuration error; a failing Queue never fails a request", async () => {
  const quiet = await captured(async () => {
    const { call } = await inProcess();
    await call("GET", "/_security/_authenticate");
  });
  assert.deepEqual(quiet, []);
  await assert.rejects(inProcess({ AUDIT_ENABLED: "true", AUDIT_EVENTS_INCLUDE: "access_granted,nope" }), /nope/);
  const sent = [];
  const queue = { send: async (event) => (sent.push(event), Promise.reject(new Error("queue down"))) };
  const errors = [];
  const error = console.error;
  console.error = (line) => errors.push(line);
  try {
    const { call } = await inProcess({ AUDIT_ENABLED: "true", AUDIT_QUEUE: queue });
    const r = await call("GET", "/_security/user", { auth: ADMIN });
    assert.equal(r.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    console.error = error;
  }
  assert.equal(sent.length, 1);
  assert.equal(sent[0]["event.action"], "access_granted");
  assert.deepEqual(errors, ["edge-token: the audit queue refused an event"]);
});
