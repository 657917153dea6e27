// The HTTP service in process, on MemoryKV: the native realm's user management.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, inProcess } from "./helpers.mjs";
import { assertProduct, withUser } from "./handler-helpers.mjs";

// ---------------------------------------------------------------------------------------------
// Users

test("put user creates, then updates; GET shows ES's user document and never the hash", async () => {
  const { call, kv } = await inProcess();
  const body = {
    password: "s3krit-password",
    roles: ["token_admin"],
    full_name: "Bazooka Joe",
    email: "joe@bazooka.gum",
    metadata: { key1: "val1" },
  };
  const created = await call("PUT", "/_security/user/joe", { auth: ADMIN, body });
  assert.equal(created.text, JSON.stringify({ created: true }));
  assertProduct(created, true);
  const updated = await call("POST", "/_security/user/joe", { auth: ADMIN, body: { ...body, roles: ["token_admin", "foo"] } });
  assert.equal(updated.text, JSON.stringify({ created: false }));
  const got = await call("GET", "/_security/user/joe", { auth: ADMIN });
  assert.equal(
    got.text,
    JSON.stringify({
      joe: {
        username: "joe",
        roles: ["token_admin", "foo"],
        full_name: "Bazooka Joe",
        email: "joe@bazooka.gum",
        metadata: { key1: "val1" },
        enabled: true,
      },
    }),
  );
  // Nowhere in the store is the password kept in clear.
  for (const entry of kv.entries()) assert.ok(!entry.value.includes("s3krit-password"), entry.name);
  const stored = [...kv.entries()].find((e) => e.name.startsWith("user:"));
  assert.match(JSON.parse(stored.value).password_hash, /^\{PBKDF2\}10000\$[A-Za-z0-9+/]{43}=\$[A-Za-z0-9+/]{43}=$/);
});

test("an update without a password keeps the old one; a new user needs one", async () => {
  const { call } = await inProcess();
  const joe = await withUser(call, "joe");
  const update = await call("PUT", "/_security/user/joe", { auth: ADMIN, body: { roles: ["monitor_only"], full_name: "Joe" } });
  assert.equal(update.status, 200);
  const me = await call("GET", "/_security/_authenticate", { auth: joe });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.roles, ["monitor_only"]);
  assert.equal(me.body.full_name, "Joe");
  const fresh = await call("PUT", "/_security/user/newbie", { auth: ADMIN, body: { roles: [] } });
  assert.equal(fresh.status, 400);
  assert.deepEqual(fresh.body.error, {
    root_cause: [
      {
        type: "validation_exception",
        reason: "Validation Failed: 1: password must be specified unless you are updating an existing user;",
      },
    ],
    type: "validation_exception",
    reason: "Validation Failed: 1: password must be specified unless you are updating an existing user;",
  });
});

test("put user rejects bodies as ES does", async () => {
  const { call } = await inProcess();
  const cases = [
    ["", "parse_exception", "request body is required"],
    // Not JSON: the core's located parse error, as for every body ES parses.
    ['{"roles":[]', "x_content_parse_exception", "[1:11] EOF while parsing an object"],
    ['{"roles":[],"roles":[]}', "x_content_parse_exception", "[1:19] Duplicate field 'roles'"],
    [{ password: "s3krit-password" }, "action_request_validation_exception", "Validation Failed: 1: roles are missing;"],
    [
      { password: "s3krit-password", roles: [], metadata: { _hidden: 1 } },
      "action_request_validation_exception",
      "Validation Failed: 1: metadata keys may not start with [_];",
    ],
    [
      { password: "short", roles: [] },
      "validation_exception",
      "Validation Failed: 1: passwords must be at least [6] characters long;",
    ],
    [
      { password: "s3krit-password", roles: [], nickname: "x" },
      "parse_exception",
      "failed to parse add user request. unexpected field [nickname]",
    ],
    [
      { password: 123456, roles: [] },
      "parse_exception",
      "expected field [password] to be of type string, but found [VALUE_NUMBER] instead",
    ],
    [
      { password: "s3krit-password", roles: [], enabled: "yes" },
      "parse_exception",
      "expected field [enabled] to be of type boolean, but found [VALUE_STRING] instead",
    ],
    [
      { password: "s3krit-password", roles: [1] },
      "parse_exception",
      "could not parse [roles] field. expected a string array but one of the value in the array is [VALUE_NUMBER]",
    ],
    [
      { username: "joey", password: "s3krit-password", roles: [] },
      "illegal_argument_exception",
      "[username] in source does not match the username provided [joe]",
    ],
    [
      { password: "s3krit-password", password_hash: "$2a$10$" + "a".repeat(53), roles: [] },
      "validation_exception",
      "Validation Failed: 1: password_hash has already been set;",
    ],
    [
      { password_hash: "plain-text", roles: [] },
      "illegal_argument_exception",
      "Provided password hash uses [NOOP] but the configured hashing algorithm is [PBKDF2]",
    ],
    [{ password_hash: "{PBKDF2}12345$abc$def", roles: [] }, "illegal_argument_exception", "unknown hash function [pbkdf2_12345]"],
    [[1, 2], "parse_exception", "expected an object, but found token [START_ARRAY]"],
  ];
  for (const [body, type, reason] of cases) {
    const out = await call("PUT", "/_security/user/joe", { auth: ADMIN, body });
    assert.equal(out.status, 400, JSON.stringify(body));
    assert.deepEqual(out.body, { error: { root_cause: [{ type, reason }], type, reason }, status: 400 }, JSON.stringify(body));
  }
});

test("reserved, internal and invalid usernames cannot be put; reserved ones cannot be deleted", async () => {
  const { call } = await inProcess();
  const body = { password: "s3krit-password", roles: [] };
  const cases = [
    ["elastic", "user [elastic] is reserved and only the password can be changed"],
    ["kibana_system", "user [kibana_system] is reserved and only the password can be changed"],
    ["_system", "user [_system] is internal"],
    [
      " padded",
      "User names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.",
    ],
  ];
  for (const [name, message] of cases) {
    const out = await call("PUT", `/_security/user/${encodeURIComponent(name)}`, { auth: ADMIN, body });
    assert.equal(out.status, 400, name);
    assert.equal(out.body.error.type, "action_request_validation_exception");
    assert.equal(out.body.error.reason, `Validation Failed: 1: ${message};`);
  }
  const del = await call("DELETE", "/_security/user/elastic", { auth: ADMIN });
  assert.equal(del.status, 400);
  assert.equal(del.body.error.reason, "user [elastic] is reserved and cannot be deleted");
});

test("delete user: found, then 404 {found:false}; the deleted user can no longer log in", async () => {
  const { call } = await inProcess();
  const gone = await withUser(call, "gone");
  const first = await call("DELETE", "/_security/user/gone", { auth: ADMIN });
  assert.equal(first.status, 200);
  assert.equal(first.text, JSON.stringify({ found: true }));
  const second = await call("DELETE", "/_security/user/gone", { auth: ADMIN });
  assert.equal(second.status, 404);
  assert.equal(second.text, JSON.stringify({ found: false }));
  assertProduct(second, true);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: gone })).status, 401);
});

test("GET users: all (elastic first), a comma list, and 404 {} when none exist", async () => {
  const { call } = await inProcess();
  await withUser(call, "zed");
  await withUser(call, "amy");
  const all = await call("GET", "/_security/user", { auth: ADMIN });
  assert.deepEqual(Object.keys(all.body), ["elastic", "amy", "zed"]);
  assert.deepEqual(all.body.elastic.metadata, { _reserved: true });
  const some = await call("GET", "/_security/user/zed,nobody,elastic", { auth: ADMIN });
  assert.deepEqual(Object.keys(some.body), ["zed", "elastic"]);
  const none = await call("GET", "/_security/user/nobody", { auth: ADMIN });
  assert.equal(none.status, 404);
  assert.equal(none.text, "{}");
});

test("imported hashes in ES's formats authenticate (bcrypt $2a$/$2b$/$2y$, PBKDF2, PBKDF2_STRETCH)", async () => {
  const { call } = await inProcess();
  const { hashes } = await import("./password-fixtures.mjs");
  const password = "correct horse battery staple";
  for (const [label, hash] of Object.entries(hashes(password))) {
    const name = `imported_${label}`;
    const put = await call("PUT", `/_security/user/${name}`, {
      auth: ADMIN,
      body: { password_hash: hash, roles: ["token_admin"] },
    });
    assert.equal(put.status, 200, `${label}: ${put.text}`);
    assert.equal((await call("GET", "/_security/_authenticate", { auth: basic(name, password) })).status, 200, label);
    assert.equal((await call("GET", "/_security/_authenticate", { auth: basic(name, "s3krit-password") })).status, 401, label);
  }
});
