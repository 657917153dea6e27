// The HTTP service in process, on MemoryKV: authentication and the request pipeline (401/413/400/
// 405/406 and their order), media types. The native realm's users: handler-users.test.mjs; the
// token endpoints, authorization and config: handler-tokens.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, bearer, inProcess } from "./helpers.mjs";
import { DEFAULT_CHALLENGES, assertProduct, security401, withUser } from "./handler-helpers.mjs";

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
