// The HTTP service in process, on MemoryKV: the request pipeline (401/413/400/405/406 and their
// order), media types, the native realm's user management, the token endpoints, and config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ROLES, basic, bearer, inProcess } from "./helpers.mjs";

const DEFAULT_CHALLENGES = ['Bearer realm="security"', "ApiKey", 'Basic realm="security", charset="UTF-8"'];

function security401(reason) {
  const header = { "WWW-Authenticate": DEFAULT_CHALLENGES };
  return {
    error: { root_cause: [{ type: "security_exception", reason, header }], type: "security_exception", reason, header },
    status: 401,
  };
}

function assertProduct(response, expected) {
  assert.equal(
    response.headers.get("x-elastic-product"),
    expected ? "Elasticsearch" : null,
    `X-elastic-product on ${response.status}`,
  );
}

async function withUser(call, username, { password = "s3krit-password", roles = ["token_admin"], ...rest } = {}) {
  const out = await call("PUT", `/_security/user/${username}`, { auth: ADMIN, body: { password, roles, ...rest } });
  assert.equal(out.status, 200, out.text);
  return basic(username, password);
}

// ---------------------------------------------------------------------------------------------
// Authentication

test("no credentials: ES's 401 with the default challenges, quoting the URI with its query", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/_security/_authenticate?pretty");
  assert.equal(out.status, 401);
  assert.deepEqual(
    out.body,
    security401("missing authentication credentials for REST request [/_security/_authenticate?pretty]"),
  );
  assert.equal(out.headers.get("www-authenticate"), DEFAULT_CHALLENGES.join(", "));
  assertProduct(out, false);
});

test("authentication comes before routing: unknown paths and wrong methods are 401 without credentials", async () => {
  const { call } = await inProcess();
  for (const [method, path] of [
    ["GET", "/no/such/thing"],
    ["PUT", "/_security/oauth2/token"],
  ]) {
    const out = await call(method, path);
    assert.equal(out.status, 401, `${method} ${path}`);
    assert.equal(out.body.error.reason, `missing authentication credentials for REST request [${path}]`);
  }
});

test("bad Basic credentials: unknown user, wrong password, disabled user all get ES's message", async () => {
  const { call } = await inProcess();
  await withUser(call, "dora", { enabled: false });
  for (const [user, password] of [
    ["elastic", "wrong-one"],
    ["ghost", "whatever"],
    ["dora", "s3krit-password"],
  ]) {
    const out = await call("GET", "/_security/_authenticate", { auth: basic(user, password) });
    assert.equal(out.status, 401);
    assert.deepEqual(out.body, security401(`unable to authenticate user [${user}] for REST request [/_security/_authenticate]`));
    assertProduct(out, false);
  }
});

test("malformed Basic headers and unsupported schemes", async () => {
  const { call } = await inProcess();
  const cases = [
    ["Basic ", "missing authentication credentials for REST request [/_security/_authenticate]"],
    ["Basic !!!notbase64", "invalid basic authentication header encoding"],
    [`Basic ${Buffer.from("no-colon").toString("base64")}`, "invalid basic authentication header value"],
    ["Digest abc", "missing authentication credentials for REST request [/_security/_authenticate]"],
    ["ApiKey abc", "missing authentication credentials for REST request [/_security/_authenticate]"],
    ["Bearer ", "missing authentication credentials for REST request [/_security/_authenticate]"],
  ];
  for (const [header, reason] of cases) {
    const out = await call("GET", "/_security/_authenticate", { auth: header });
    assert.equal(out.status, 401, header);
    assert.deepEqual(out.body, security401(reason), header);
  }
});

test("the Basic scheme name is case-insensitive and the password may contain colons", async () => {
  const { call } = await inProcess();
  await withUser(call, "colin", { password: "pa:ss:word" });
  const header = `bAsIc ${Buffer.from("colin:pa:ss:word").toString("base64")}`;
  const out = await call("GET", "/_security/_authenticate", { auth: header });
  assert.equal(out.status, 200);
  assert.equal(out.body.username, "colin");
});

test("elastic authenticates in the reserved realm; without ELASTIC_PASSWORD it cannot log in", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/_security/_authenticate", { auth: ADMIN });
  assert.equal(out.status, 200);
  assert.equal(
    out.text,
    JSON.stringify({
      username: "elastic",
      roles: ["superuser"],
      full_name: null,
      email: null,
      metadata: { _reserved: true },
      enabled: true,
      authentication_realm: { name: "reserved", type: "reserved" },
      lookup_realm: { name: "reserved", type: "reserved" },
      authentication_type: "realm",
    }),
  );
  assertProduct(out, true);

  const locked = await inProcess({ ELASTIC_PASSWORD: undefined });
  const refused = await locked.call("GET", "/_security/_authenticate", { auth: basic("elastic", "") });
  assert.equal(refused.status, 401);
});

test("a bearer 401 from the engine carries the same challenge list as a Basic 401", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/_security/_authenticate", { auth: bearer("not-a-token") });
  assert.equal(out.status, 401);
  assert.deepEqual(out.body.error.header["WWW-Authenticate"], DEFAULT_CHALLENGES);
  assert.equal(out.body.error.additional_unsuccessful_credentials, "oauth2 token: invalid token");
  assertProduct(out, false);
});

// ---------------------------------------------------------------------------------------------
// HTTP layer

test("unknown path with credentials: ES's 400 'no handler found' (with the product header)", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/_nope?x=1", { auth: ADMIN });
  assert.equal(out.status, 400);
  assert.equal(out.text, JSON.stringify({ error: "no handler found for uri [/_nope?x=1] and method [GET]" }));
  assertProduct(out, true);
});

test("wrong method: ES's 405 text and Allow header", async () => {
  const { call } = await inProcess();
  const out = await call("PUT", "/_security/oauth2/token", { auth: ADMIN });
  assert.equal(out.status, 405);
  assert.equal(
    out.text,
    JSON.stringify({
      error: "Incorrect HTTP method for uri [/_security/oauth2/token] and method [PUT], allowed: [POST, DELETE]",
      status: 405,
    }),
  );
  assert.equal(out.headers.get("allow"), "POST,DELETE");
  assertProduct(out, true);
  const auth = await call("POST", "/_security/_authenticate", { auth: ADMIN });
  assert.equal(auth.status, 405);
  assert.equal(auth.headers.get("allow"), "GET");
});

test("a trailing slash still routes; OPTIONS answers the allowed methods without credentials", async () => {
  const { call } = await inProcess();
  assert.equal((await call("GET", "/_security/_authenticate/", { auth: ADMIN })).status, 200);
  const options = await call("OPTIONS", "/_security/user/bob");
  assert.equal(options.status, 200);
  assert.equal(options.headers.get("allow"), "PUT,POST,GET,DELETE");
  assert.equal(options.text, "");
});

test("406 for a body whose Content-Type is not JSON or is missing", async () => {
  const { call } = await inProcess();
  const body = '{"grant_type":"client_credentials"}';
  const cases = [
    ["application/x-www-form-urlencoded", "Content-Type header [application/x-www-form-urlencoded] is not supported"],
    ["text/plain", "Content-Type header [text/plain] is not supported"],
  ];
  for (const [type, message] of cases) {
    const out = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body, headers: { "content-type": type } });
    assert.equal(out.status, 406, type);
    assert.equal(out.text, JSON.stringify({ error: message, status: 406 }));
    assertProduct(out, true);
  }
  // A body sent as bytes carries no Content-Type at all.
  const { handle } = await inProcess();
  const missing = await handle(
    new Request("http://edge.test/_security/oauth2/token", {
      method: "POST",
      headers: { authorization: ADMIN },
      body: new TextEncoder().encode(body),
    }),
  );
  assert.equal(missing.status, 406);
  assert.equal(await missing.text(), JSON.stringify({ error: "Content-Type header is missing", status: 406 }));
  for (const type of [
    "application/json; charset=UTF-8",
    "application/vnd.elasticsearch+json; compatible-with=8",
    "application/vnd.elasticsearch+json;compatible-with=9",
  ]) {
    // ES 9 wants a compatible version on both headers or on neither (rest-conventions.test.mjs).
    const accept = type.includes("compatible-with") ? { accept: type } : {};
    const out = await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body,
      headers: { "content-type": type, ...accept },
    });
    assert.equal(out.status, 200, type);
  }
});

test("the response mirrors the clients' compatibility media type, else application/json", async () => {
  const { call } = await inProcess();
  const vnd9 = "application/vnd.elasticsearch+json; compatible-with=9";
  const cases = [
    [{}, "application/json"],
    [{ accept: `${vnd9},text/plain` }, "application/vnd.elasticsearch+json;compatible-with=9"],
    [{ accept: "application/vnd.elasticsearch+json;compatible-with=8" }, "application/vnd.elasticsearch+json;compatible-with=8"],
    [{ accept: "*/*", "content-type": vnd9 }, "application/vnd.elasticsearch+json;compatible-with=9"],
    [{ accept: "application/json" }, "application/json"],
  ];
  for (const [headers, expected] of cases) {
    const out = await call("GET", "/_security/_authenticate", { auth: ADMIN, headers });
    assert.equal(out.headers.get("content-type"), expected, JSON.stringify(headers));
  }
  // Errors too: a 401 answered in the client's type.
  const denied = await call("GET", "/_security/_authenticate", { headers: { accept: vnd9 } });
  assert.equal(denied.headers.get("content-type"), "application/vnd.elasticsearch+json;compatible-with=9");
});

test("413 for a body over 1 MiB: ES's envelope with the product header; exactly 1 MiB is read", async () => {
  const { call } = await inProcess();
  const limit = 1024 * 1024;
  const over = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: "x".repeat(limit + 1) });
  assert.equal(over.status, 413);
  const reason = "request body is larger than the limit of [1048576] bytes";
  assert.deepEqual(over.body, {
    error: { root_cause: [{ type: "parse_exception", reason }], type: "parse_exception", reason },
    status: 413,
  });
  assertProduct(over, true);
  // A streamed body with no Content-Length is counted as it arrives.
  const { handle } = await inProcess();
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(limit / 2));
      controller.close();
    },
  });
  const streamed = await handle(
    new Request("http://edge.test/_security/oauth2/token", {
      method: "DELETE",
      headers: { authorization: ADMIN, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    }),
  );
  assert.equal(streamed.status, 413);
  const exact = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: " ".repeat(limit - 2) + "{}" });
  assert.equal(exact.status, 400, "a 1 MiB body is parsed (and found to be an empty request)");
});

test("a body that cannot be read (the client went away mid-body): the core's 400, and no log line", async () => {
  const { handle } = await inProcess();
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"grant_type":'));
      controller.error(new TypeError("the client went away"));
    },
  });
  const logged = [];
  const error = console.error;
  console.error = (line) => logged.push(line);
  let out;
  try {
    out = await handle(
      new Request("http://edge.test/_security/oauth2/token", {
        method: "POST",
        headers: { authorization: ADMIN, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      }),
    );
  } finally {
    console.error = error;
  }
  assert.equal(out.status, 400);
  const reason = "request body could not be read";
  assert.deepEqual(await out.json(), {
    error: { root_cause: [{ type: "illegal_argument_exception", reason }], type: "illegal_argument_exception", reason },
    status: 400,
  });
  assertProduct(out, true);
  assert.deepEqual(logged, []);
});

test("GET and HEAD /: ES's root document for a superuser, 403 without the monitor privilege", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/", { auth: ADMIN });
  assert.equal(out.status, 200);
  assert.equal(out.body.tagline, "You Know, for Search");
  assert.equal(out.body.version.build_flavor, "default");
  assert.match(out.body.version.number, /^9\.\d+\.\d+$/);
  const head = await call("HEAD", "/", { auth: ADMIN });
  assert.equal(head.status, 200);
  assert.equal(head.text, "");
  assertProduct(head, true);
  const admin = await withUser(call, "tom", { roles: ["token_admin"] });
  const denied = await call("GET", "/", { auth: admin });
  assert.equal(denied.status, 403);
  assert.equal(
    denied.body.error.reason,
    "action [cluster:monitor/main] is unauthorized for user [tom] with effective roles [token_admin], this action is granted by the cluster privileges [monitor,manage,all]",
  );
});

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

// ---------------------------------------------------------------------------------------------
// Tokens

test("password grant: the body's user owns the token, the caller is its client", async () => {
  const { call } = await inProcess();
  await withUser(call, "token_user", { roles: ["superuser"], full_name: "Token User" });
  const other = await withUser(call, "other_admin", { roles: ["token_admin"] });
  const out = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "token_user", password: "s3krit-password" },
  });
  assert.equal(out.status, 200);
  assert.deepEqual(Object.keys(out.body), ["access_token", "type", "expires_in", "refresh_token", "authentication"]);
  assert.equal(out.body.expires_in, 1200);
  assert.deepEqual(out.body.authentication, {
    username: "token_user",
    roles: ["superuser"],
    full_name: "Token User",
    email: null,
    metadata: {},
    enabled: true,
    authentication_realm: { name: "default_native", type: "native" },
    lookup_realm: { name: "default_native", type: "native" },
    authentication_type: "realm",
  });
  const me = await call("GET", "/_security/_authenticate", { auth: bearer(out.body.access_token) });
  assert.equal(me.body.username, "token_user");
  assert.equal(me.body.authentication_type, "token");
  // Only the client (elastic) may refresh it.
  const wrongClient = await call("POST", "/_security/oauth2/token", {
    auth: other,
    body: { grant_type: "refresh_token", refresh_token: out.body.refresh_token },
  });
  assert.equal(wrongClient.status, 400);
  assert.equal(
    wrongClient.text,
    JSON.stringify({ error: "invalid_grant", error_description: "tokens must be refreshed by the creating client" }),
  );
  const refreshed = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "refresh_token", refresh_token: out.body.refresh_token },
  });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.authentication.authentication_type, "token");
  assert.notEqual(refreshed.body.access_token, out.body.access_token);
});

test("password grant with bad credentials: 401 for the create action, without the product header", async () => {
  const { call } = await inProcess();
  await withUser(call, "token_user");
  for (const [username, password] of [
    ["token_user", "wrong-password"],
    ["ghost", "whatever"],
    ["elastic", "nope-nope"],
  ]) {
    const out = await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body: { grant_type: "password", username, password },
    });
    assert.equal(out.status, 401);
    assert.deepEqual(
      out.body,
      security401(`unable to authenticate user [${username}] for action [cluster:admin/xpack/security/token/create]`),
    );
    assertProduct(out, false);
  }
});

test("client_credentials: the caller's own token, no refresh token; a bearer caller is echoed as token", async () => {
  const { call } = await inProcess();
  const admin = await withUser(call, "svc", { roles: ["token_admin"] });
  const viaBasic = await call("POST", "/_security/oauth2/token", {
    auth: admin,
    body: { grant_type: "client_credentials", scope: "anything" },
  });
  assert.equal(viaBasic.status, 200);
  assert.equal(viaBasic.body.refresh_token, undefined);
  assert.equal(viaBasic.body.scope, "full");
  assert.equal(viaBasic.body.authentication.username, "svc");
  assert.equal(viaBasic.body.authentication.authentication_type, "realm");
  const viaBearer = await call("POST", "/_security/oauth2/token", {
    auth: bearer(viaBasic.body.access_token),
    body: { grant_type: "client_credentials" },
  });
  assert.equal(viaBearer.status, 200);
  assert.equal(viaBearer.body.authentication.username, "svc");
  assert.equal(viaBearer.body.authentication.authentication_type, "token");
});

test("TOKEN_TIMEOUT sets expires_in", async () => {
  const { call } = await inProcess({ TOKEN_TIMEOUT: "5m" });
  const out = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: { grant_type: "client_credentials" } });
  assert.equal(out.body.expires_in, 300);
});

test("request errors come before authorization: an unprivileged caller gets the 400, a valid body the 403", async () => {
  const { call } = await inProcess();
  const nobody = await withUser(call, "nobody", { roles: [] });
  const badGrant = await call("POST", "/_security/oauth2/token", { auth: nobody, body: { grant_type: "password" } });
  assert.equal(badGrant.status, 400);
  assert.equal(
    badGrant.text,
    JSON.stringify({
      error: "invalid_request",
      error_description: "Validation Failed: 1: username is missing;2: password is missing;",
    }),
  );
  const emptyInvalidate = await call("DELETE", "/_security/oauth2/token", { auth: nobody, body: {} });
  assert.equal(emptyInvalidate.status, 400);
  assert.equal(emptyInvalidate.body.error.type, "action_request_validation_exception");
  // A well-formed body that would touch the store is refused, whatever the store holds.
  for (const body of [
    { username: "anyone" },
    { token: "dGVzdA==" },
    { refresh_token: "w+aGBBj7A4YuHKyrtk87LHHT+FXM+RkLM9OWQ1Q=" },
  ]) {
    const out = await call("DELETE", "/_security/oauth2/token", { auth: nobody, body });
    assert.equal(out.status, 403, JSON.stringify(body));
    assert.equal(
      out.body.error.reason,
      "action [cluster:admin/xpack/security/token/invalidate] is unauthorized for user [nobody] with effective roles [], this action is granted by the cluster privileges [delegate_pki,manage_saml,manage_token,manage_security,all]",
    );
  }
});

test("invalidate: counts per mode, 404 with zero counts for an unknown token", async () => {
  const { call } = await inProcess();
  await withUser(call, "u1");
  const grant = { grant_type: "password", username: "u1", password: "s3krit-password" };
  const a = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant })).body;
  const counts = (n, p) => ({ invalidated_tokens: n, previously_invalidated_tokens: p, error_count: 0 });
  const byToken = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: a.access_token } });
  assert.deepEqual([byToken.status, byToken.body], [200, counts(1, 0)]);
  const again = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: a.access_token } });
  assert.deepEqual([again.status, again.body], [200, counts(0, 1)]);
  const byRefresh = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { refresh_token: a.refresh_token } });
  assert.deepEqual([byRefresh.status, byRefresh.body], [200, counts(1, 0)]);
  await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant });
  const byUser = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { username: "u1" } });
  assert.deepEqual([byUser.status, byUser.body], [200, counts(2, 0)]);
  const unknown = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: "bm90LWEtdG9rZW4=" } });
  assert.deepEqual([unknown.status, unknown.body], [404, counts(0, 0)]);
  assertProduct(unknown, true);
});

// ---------------------------------------------------------------------------------------------
// Authorization details

test("403 names effective roles, unfound roles and the granting privileges; patterns grant, manage does not", async () => {
  const { call } = await inProcess();
  const ghost = await withUser(call, "ghostly", { roles: ["token_admin", "zz_missing", "aa_missing"] });
  const out = await call("PUT", "/_security/user/x", { auth: ghost, body: { password: "s3krit-password", roles: [] } });
  assert.equal(out.status, 403);
  assert.deepEqual(out.body, {
    error: {
      root_cause: [
        {
          type: "security_exception",
          reason:
            "action [cluster:admin/xpack/security/user/put] is unauthorized for user [ghostly] with effective roles [token_admin] (assigned roles [aa_missing,zz_missing] were not found), this action is granted by the cluster privileges [manage_security,all]",
        },
      ],
      type: "security_exception",
      reason:
        "action [cluster:admin/xpack/security/user/put] is unauthorized for user [ghostly] with effective roles [token_admin] (assigned roles [aa_missing,zz_missing] were not found), this action is granted by the cluster privileges [manage_security,all]",
    },
    status: 403,
  });
  assertProduct(out, false);

  const pattern = await withUser(call, "patterned", { roles: ["pattern_role"] });
  assert.equal(
    (await call("POST", "/_security/oauth2/token", { auth: pattern, body: { grant_type: "client_credentials" } })).status,
    200,
  );
  const manager = await withUser(call, "manager", { roles: ["manage_all_but_security"] });
  const denied = await call("POST", "/_security/oauth2/token", { auth: manager, body: { grant_type: "client_credentials" } });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.reason, /granted by the cluster privileges \[manage_token,manage_security,all\]$/);
  assert.equal((await call("GET", "/", { auth: manager })).status, 200, "manage does grant cluster:monitor/main");
  const secAdmin = await withUser(call, "sec", { roles: ["security_admin"] });
  assert.equal((await call("GET", "/_security/user/sec", { auth: secAdmin })).status, 200);
});

// ---------------------------------------------------------------------------------------------
// Configuration and failures

test("createHandler refuses a bad env with a ConfigError that does not repeat secrets", async () => {
  const { createHandler, MemoryKV } = await import("../../www/entry-node.js");
  const base = {
    TOKENS: new MemoryKV(),
    ELASTIC_PASSWORD: "very-secret-value",
    TOKEN_SECRET: "a-very-secret-token-key-32-chars-long",
  };
  const shortSecret = "a-short-secret-of-31-characters";
  const cases = [
    // One message for an env that is not an object, the core's (src/service_settings.rs).
    [null, /^env must be an object$/],
    ["TOKEN_SECRET=x", /^env must be an object$/],
    [{ ...base, TOKENS: undefined }, /TOKENS must be a KV namespace binding/],
    [{ ...base, ROLES: "{not json" }, /ROLES must be a JSON object/],
    [{ ...base, ROLES: '{"r": {"cluster": ["manage_tokens"]}}' }, /unknown cluster privilege \[manage_tokens\] in role \[r\]/],
    [{ ...base, ROLES: '{"superuser": {"cluster": []}}' }, /Role \[superuser\] is reserved and may not be used/],
    [{ ...base, ROLES: '{"r": {"cluster": "all"}}' }, /must be an array of strings/],
    [{ ...base, ELASTIC_PASSWORD: 12 }, /ELASTIC_PASSWORD must be a string/],
    // TOKEN_TIMEOUT is checked by the engine (validateSettings) when the handler is made.
    [
      { ...base, TOKEN_TIMEOUT: "2h" },
      /^TOKEN_TIMEOUT: failed to parse value \[2h\] for setting \[xpack\.security\.authc\.token\.timeout\], must be <= \[1h\]$/,
    ],
    [{ ...base, TOKEN_TIMEOUT: "500ms" }, /must be >= \[1s\]/],
    [{ ...base, TOKEN_TIMEOUT: "20 minutes" }, /unit is missing or unrecognized/],
    [{ ...base, TOKEN_TIMEOUT: 1200 }, /TOKEN_TIMEOUT must be a string/],
    // TOKEN_SECRET is required; its length is the engine's rule, checked when the handler is made.
    [{ ...base, TOKEN_SECRET: undefined }, /^TOKEN_SECRET is not set: .*`npx wrangler secret put TOKEN_SECRET`/],
    [{ ...base, TOKEN_SECRET: "" }, /^TOKEN_SECRET is not set/],
    [{ ...base, TOKEN_SECRET: shortSecret }, /^TOKEN_SECRET: the token secret must be at least 32 characters long$/],
    [{ ...base, TOKEN_SECRET: 12345678901234567890123456789012n }, /TOKEN_SECRET must be a string/],
    // BULK_SEGMENT_OPS is the core's too: once a Worker's bulk invalidations ran whole ("abc"),
    // answered 400 at request time ("1") or silently lowered to 900 ("901").
    ...["abc", "1", "0", "901"].map((ops) => [
      { ...base, BULK_SEGMENT_OPS: ops },
      new RegExp(`^BULK_SEGMENT_OPS must be a whole number of KV operations from 2 to 900, got \\[${ops}\\]$`),
    ]),
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => createHandler(env),
      (error) => {
        assert.equal(error.name, "ConfigError");
        assert.match(error.message, message);
        assert.ok(!error.message.includes("very-secret-value"));
        assert.ok(!error.message.includes(base.TOKEN_SECRET) && !error.message.includes(shortSecret));
        assert.equal(error.reply?.status, 500, "a Worker answers every request with the configuration 500");
        return true;
      },
    );
  }
  assert.doesNotThrow(() => createHandler({ ...base, ROLES: ROLES }), "ROLES may also be an object");
  assert.doesNotThrow(() => createHandler({ ...base, TOKEN_TIMEOUT: "1h" }));
  assert.doesNotThrow(() => createHandler({ ...base, BULK_SEGMENT_OPS: 2 }));
});

test("a failing KV fails closed with 503, for Basic users and for bearer tokens", async () => {
  const { MemoryKV } = await import("../../www/entry-node.js");
  const kv = new MemoryKV();
  const { call } = await inProcess({ TOKENS: kv });
  const user = await withUser(call, "kvuser");
  const token = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: { grant_type: "client_credentials" } })).body
    .access_token;
  kv.get = async () => {
    throw new Error("KV GET failed: 503 service unavailable");
  };
  for (const auth of [user, bearer(token)]) {
    const out = await call("GET", "/_security/_authenticate", { auth });
    assert.equal(out.status, 503);
    assert.equal(out.body.error.type, "security_exception");
    assert.equal(out.body.error.reason, "unable to perform requested action");
  }
});

test("the handler never echoes a password or a token in an error", async () => {
  const { call } = await inProcess();
  const secret = "Sup3r-Secret-Pw";
  const out = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "nobody", password: secret },
  });
  assert.ok(!out.text.includes(secret));
  const token = "w+aGBBj7A4YuHKyrtk87LHHT+FXM+RkLM9OWQ1Q=";
  const bad = await call("GET", "/_security/_authenticate", { auth: bearer(token) });
  assert.ok(!bad.text.includes(token));
});
