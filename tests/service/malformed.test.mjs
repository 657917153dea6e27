// Bad input, table-driven: every endpoint × malformed bodies, fields, encodings, sizes, media
// types, Authorization headers, routes and methods, sent to createHandler on MemoryKV. Each
// answer must be an Elasticsearch-shaped 4xx (or the exact status a row names), never a 5xx,
// within a deadline; afterwards the same handler must still serve a full token round trip.
// Failures are collected and reported together, one line per case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, bearer, inProcess } from "./helpers.mjs";

const LIMIT = 1024 * 1024;
const CASE_DEADLINE_MS = 15_000;
const PW = "matrix-pw-1";
const TOKEN = "/_security/oauth2/token";
const USER = "/_security/user/matrix_user";
const DEEP = 100_000;

const b64 = (text) => Buffer.from(text, "latin1").toString("base64");
/** Text and raw bytes (arrays of numbers) as one body. */
const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const deepArray = (n) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const json = (value) => JSON.stringify(value);
const big = (n = 900 * 1024) => "x".repeat(n);
/** `base` as JSON text with `field` set to `valueText`, raw JSON (possibly wrong for the field). */
function replaceField(base, field, valueText) {
  const members = Object.entries(base)
    .filter(([name]) => name !== field)
    .map(([name, v]) => `${json(name)}:${json(v)}`);
  return `{${[...members, `${json(field)}:${valueText}`].join(",")}}`;
}

// ---------------------------------------------------------------------------------------------
// The endpoints. `base` is a valid body; `fields` maps each body field to the JSON texts of
// values of a wrong type for it.

const WRONG = { number: "1", boolean: "true", null: "null", array: "[]", object: "{}" };
const except = (...valid) => Object.fromEntries(Object.entries(WRONG).filter(([k]) => !valid.includes(k)));

const BODY_ENDPOINTS = [
  {
    name: "POST token",
    method: "POST",
    path: TOKEN,
    base: { grant_type: "password", username: "matrix_user", password: PW },
    fields: Object.fromEntries(
      ["grant_type", "username", "password", "kerberos_ticket", "scope", "refresh_token"].map((f) => [f, WRONG]),
    ),
  },
  {
    name: "DELETE token",
    method: "DELETE",
    path: TOKEN,
    base: { token: "dGVzdA==" },
    fields: Object.fromEntries(["token", "refresh_token", "realm_name", "username"].map((f) => [f, WRONG])),
  },
  ...["PUT", "POST"].map((method) => ({
    name: `${method} user`,
    method,
    path: USER,
    base: { password: PW, roles: ["superuser"] },
    fields: {
      password: WRONG,
      password_hash: WRONG,
      roles: { ...except("array"), "array of numbers": "[1]", "array with null": "[null]", "array of arrays": "[[]]" },
      full_name: except("null"),
      email: except("null"),
      metadata: { ...except("object"), string: '"m"' },
      enabled: { ...except("boolean"), string: '"true"' },
      username: WRONG,
    },
  })),
];

const BODILESS_ENDPOINTS = [
  { name: "GET _authenticate", method: "GET", path: "/_security/_authenticate" },
  { name: "GET user", method: "GET", path: USER },
  { name: "DELETE user", method: "DELETE", path: USER },
  { name: "GET /", method: "GET", path: "/" },
];

const ALL_ENDPOINTS = [...BODY_ENDPOINTS, ...BODILESS_ENDPOINTS];

// ---------------------------------------------------------------------------------------------
// The cases: {name, method, path, auth, headers, body (string | bytes | stream), expect}.
// `expect` is a status, or "4xx" for any ES-shaped client error.

function bodyCases(ep) {
  const at = (name, body, expect = 400, extra = {}) => ({
    name: `${ep.name}: ${name}`,
    method: ep.method,
    path: ep.path,
    body,
    expect,
    ...extra,
  });
  const cases = [
    at("no body", undefined),
    at("empty body", ""),
    at("whitespace body", "  \n "),
    at("non-JSON text", "this is not json"),
    at("truncated JSON", '{"grant_type":'),
    at("single quotes", "{'a': 1}"),
    at("form encoding", "grant_type=password&username=a"),
    at("trailing garbage", json(ep.base) + " x"),
    at("two documents", json(ep.base) + json(ep.base)),
    at("null", "null"),
    ...Object.entries({ array: "[]", "array of objects": "[{}]", string: '"text"', number: "12", boolean: "true" }).map(
      ([kind, body]) => at(`JSON ${kind}, not an object`, body),
    ),
    at("unknown field", json({ ...ep.base, zzz_unknown: 1 })),
    at("unknown field holding a deep value", replaceField(ep.base, "zzz_unknown", deepArray(1000))),
    at(`array nested ${DEEP} deep`, deepArray(DEEP)),
    at(`object nested ${DEEP} deep`, deepObject(DEEP)),
    at(`field value nested ${DEEP} deep`, replaceField(ep.base, Object.keys(ep.fields)[0], deepArray(DEEP))),
    at(
      "duplicate key",
      `{${Object.entries(ep.base)
        .map(([k, v]) => `${json(k)}:${json(v)}`)
        .join(",")},${json(Object.keys(ep.base)[0])}:${json(Object.values(ep.base)[0])}}`,
    ),
    at("invalid UTF-8 start byte in a string", concat('{"x":"', [0xff, 0xfe], '"}')),
    at("truncated UTF-8 sequence at the end", concat(json(ep.base).slice(0, -1), [0xe2, 0x82])),
    at("overlong UTF-8 encoding of '/'", concat('{"x":"', [0xc0, 0xaf], '"}')),
    at("UTF-8-encoded surrogate", concat('{"x":"', [0xed, 0xa0, 0x80], '"}')),
    at("Latin-1 bytes in a valid field", concat(`{${json(Object.keys(ep.base)[0])}:"caf`, [0xe9], '"}')),
    at("raw NUL byte inside a string", `{"x":"a\u0000b"}`),
    at("raw NUL byte between tokens", `{\u0000}`),
    at("body that is one NUL byte", "\u0000"),
    at("body over the limit (Content-Length)", "x".repeat(LIMIT + 1), 413),
    at("body over the limit (streamed, no length)", { stream: 3 * (LIMIT / 2) }, 413),
    at("valid JSON padded just over the limit", " ".repeat(LIMIT - json(ep.base).length + 1) + json(ep.base), 413),
  ];
  for (const [field, wrong] of Object.entries(ep.fields)) {
    for (const [kind, value] of Object.entries(wrong)) cases.push(at(`${field} as ${kind}`, replaceField(ep.base, field, value)));
  }
  for (const [name, contentType, expect] of [
    ["no Content-Type", null, 406],
    ["text/plain", "text/plain", 406],
    ["form Content-Type", "application/x-www-form-urlencoded", 406],
    ["YAML", "application/yaml", 406],
    ["CBOR", "application/cbor", 406],
    ["multipart", "multipart/form-data; boundary=x", 406],
    // ES 9 refuses these while building the request: media_type_header_exception (400).
    ["vendor type for ES 7", "application/vnd.elasticsearch+json; compatible-with=7", 400],
    ["vendor type without a version", "application/vnd.elasticsearch+json", 406],
    ["not a media type", "garbage", 400],
    ["empty Content-Type", "", 400],
    ["10 KB Content-Type", "application/" + "x".repeat(10 * 1024), 406],
  ]) {
    cases.push(at(`Content-Type: ${name}`, json(ep.base), expect, { headers: { "content-type": contentType } }));
  }
  return cases;
}

/** Bodies the endpoint must reject, and huge values it may accept (then the exact status). */
function fieldValueCases() {
  const post = (name, body, expect) => ({ name: `POST token: ${name}`, method: "POST", path: TOKEN, body: json(body), expect });
  const del = (name, body, expect) => ({
    name: `DELETE token: ${name}`,
    method: "DELETE",
    path: TOKEN,
    body: json(body),
    expect,
  });
  // `body`: an object to send as JSON, or the raw text when JSON.stringify cannot make it.
  const put = (name, path, body, expect) => ({
    name: `PUT user: ${name}`,
    method: "PUT",
    path,
    body: typeof body === "string" ? body : json(body),
    expect,
  });
  const user = { password: PW, roles: ["superuser"] };
  return [
    post("900 KB grant_type", { grant_type: big() }, 400),
    post("900 KB username", { grant_type: "password", username: big(), password: "x" }, 401),
    post("900 KB password", { grant_type: "password", username: "matrix_huge", password: big() }, 401),
    post("900 KB refresh_token", { grant_type: "refresh_token", refresh_token: big() }, 400),
    post("900 KB kerberos_ticket", { grant_type: "_kerberos", kerberos_ticket: big() }, 400),
    post("900 KB scope (accepted: ES never reads scope)", { grant_type: "client_credentials", scope: big() }, 200),
    post("grant authorization_code", { grant_type: "authorization_code" }, 400),
    post("empty strings", { grant_type: "password", username: "", password: "" }, 400),
    post("escaped NUL in username", { grant_type: "password", username: "a\u0000b", password: "x" }, 401),
    post("refresh token that is not base64", { grant_type: "refresh_token", refresh_token: "%%%%" }, 400),
    del("900 KB token", { token: big() }, 404),
    del("900 KB refresh_token", { refresh_token: big() }, 404),
    del("900 KB username (no tokens: zero counts)", { username: big() }, 200),
    del("token and refresh_token", { token: "a", refresh_token: "b" }, 400),
    del("token with username", { token: "a", username: "b" }, 400),
    del("only empty strings", { token: "", refresh_token: "", realm_name: " ", username: "\t" }, 400),
    del("escaped NUL token", { token: "\u0000" }, 404),
    put("900 KB password (accepted)", "/_security/user/matrix_huge_pw", { password: big(), roles: [] }, 200),
    put("900 KB full_name (accepted)", "/_security/user/matrix_huge_name", { ...user, full_name: big() }, 200),
    put("900 KB password_hash", USER, { password_hash: big(), roles: [] }, 400),
    put("900 KB role name", USER, { password: PW, roles: [big()] }, 400),
    put("1025-character username", `/_security/user/${"u".repeat(1025)}`, user, 400),
    put("NUL in the username (path)", "/_security/user/a%00b", user, 400),
    put("username in the body differs", USER, { ...user, username: "other" }, 400),
    put("password too short", USER, { password: "12345", roles: [] }, 400),
    put("password and password_hash", USER, { password: PW, password_hash: "$2a$10$" + "a".repeat(53), roles: [] }, 400),
    put("unsupported hash", USER, { password_hash: "{SHA}abc", roles: [] }, 400),
    put("metadata key starting with _", USER, { ...user, metadata: { _reserved: 1 } }, 400),
    put("metadata nested 150 deep", USER, { ...user, metadata: JSON.parse(deepObject(150)) }, 400),
    put("duplicate key inside metadata", USER, replaceField(user, "metadata", '{"a":1,"a":2}'), 400),
    put(`metadata nested ${DEEP} deep`, USER, replaceField(user, "metadata", deepObject(DEEP)), 400),
    put(`metadata holding an array nested ${DEEP} deep`, USER, replaceField(user, "metadata", `{"a":${deepArray(DEEP)}}`), 400),
    put("reserved username", "/_security/user/kibana", user, 400),
    put("internal username", "/_security/user/_system", user, 400),
    { name: "DELETE user: reserved username", method: "DELETE", path: "/_security/user/elastic", expect: 400 },
    { name: "DELETE user: unknown user", method: "DELETE", path: "/_security/user/nobody_here", expect: 404 },
    { name: "GET user: unknown user", method: "GET", path: "/_security/user/nobody_here", expect: 404 },
    // A bad percent escape keeps its raw text (src/routes.rs): here, a user that does not exist.
    { name: "GET user: bad percent escape in the name", method: "GET", path: "/_security/user/a%ZZb", expect: 404 },
  ];
}

/** A body sent to an endpoint that reads none (GET cannot carry one in a fetch Request). */
function bodilessCases() {
  const del = BODILESS_ENDPOINTS.find((ep) => ep.method === "DELETE");
  return [
    { name: "DELETE user: with a JSON body", method: "DELETE", path: del.path, body: "{}", expect: 400 },
    { name: "DELETE user: with a non-JSON body", method: "DELETE", path: del.path, body: "junk", expect: 400 },
    { name: "DELETE user: with invalid UTF-8", method: "DELETE", path: del.path, body: Uint8Array.of(0xff), expect: 400 },
    {
      name: "DELETE user: body of the wrong type",
      method: "DELETE",
      path: del.path,
      body: "x",
      headers: { "content-type": "text/plain" },
      expect: 406,
    },
    { name: "DELETE user: body over the limit", method: "DELETE", path: del.path, body: "x".repeat(LIMIT + 1), expect: 413 },
  ];
}

const AUTH_HEADERS = [
  ["no Authorization", null],
  ["empty Authorization", ""],
  ["only spaces", "   "],
  ["Basic without credentials", "Basic"],
  ["Basic and a space", "Basic "],
  ["Basic with bad base64", "Basic !!!not-base64!!!"],
  ["Basic with a bad base64 length", "Basic abcde"],
  ["Basic with base64 and garbage", "Basic " + b64("elastic:x") + "%%"],
  ["Basic without a colon", "Basic " + b64("nocolon")],
  ["Basic with an empty user", "Basic " + b64(":" + PW)],
  ["Basic with an empty password", "Basic " + b64("mallory:")],
  ["Basic with both empty", "Basic " + b64(":")],
  ["Basic with a wrong password", basic("mallory", "nope")],
  ["Basic with a 10 KB user", basic("u".repeat(10 * 1024), "x")],
  ["Basic with a 10 KB password", basic("mallory", "p".repeat(10 * 1024))],
  ["Basic with invalid UTF-8 in the user", "Basic " + Buffer.from([0xff, 0xfe, 0x3a, 0x78]).toString("base64")],
  ["Basic with a NUL in the user", "Basic " + b64("mal\u0000lory:x")],
  ["Basic with two spaces", "Basic  " + b64("mallory:x")],
  ["unknown scheme", "Digest username=elastic"],
  ["ApiKey", "ApiKey " + b64("id:key")],
  ["Negotiate", "Negotiate YIIB"],
  ["scheme only, no space", "Bearer"],
  ["Bearer and a space", "Bearer "],
  ["Bearer with spaces inside", "Bearer a b c"],
  ["Bearer that is not base64", "Bearer %%%%"],
  ["Bearer that is base64 of nothing useful", bearer(b64("hello"))],
  ["Bearer of 10 KB", bearer("A".repeat(10 * 1024))],
  ["Bearer of 10 KB non-base64", bearer("~".repeat(10 * 1024))],
  ["Bearer with Latin-1 bytes", "Bearer \u00ff\u00fe\u00e9"],
];

function authCases() {
  const cases = [];
  for (const ep of ALL_ENDPOINTS) {
    for (const [name, auth] of AUTH_HEADERS) {
      cases.push({
        name: `${ep.name}: ${name}`,
        method: ep.method,
        path: ep.path,
        auth,
        body: ep.base && json(ep.base),
        expect: 401,
      });
    }
  }
  return cases;
}

function routeCases() {
  const cases = [];
  const unknown = [
    "/nope",
    "/_security",
    "/_security/oauth2",
    "/_security/oauth2/token/extra",
    "/_security/_authenticate/x",
    "/_security/user/a/b",
    "/_xpack/security/oauth2/token",
    "/_security/oauth2/token%2Fx",
    "/" + "p".repeat(10 * 1024),
    "/%F0%9F%94%91",
  ];
  for (const path of unknown) {
    for (const method of ["GET", "POST"])
      cases.push({ name: `unknown route ${method} ${path.slice(0, 40)}`, method, path, expect: 400 });
  }
  const wrongMethods = [
    ["GET", TOKEN],
    ["PUT", TOKEN],
    ["PATCH", TOKEN],
    ["HEAD", TOKEN],
    ["POST", "/_security/_authenticate"],
    ["PUT", "/_security/_authenticate"],
    ["DELETE", "/_security/_authenticate"],
    ["PATCH", USER],
    ["HEAD", USER],
    ["POST", "/"],
    ["PUT", "/"],
    ["DELETE", "/"],
    ["PUT", "/_security/user"],
    ["FOO", TOKEN],
    ["BREW", "/"],
  ];
  for (const [method, path] of wrongMethods) cases.push({ name: `wrong method ${method} ${path}`, method, path, expect: 405 });
  // Without credentials, ES authenticates before it routes: a 401 for all of them.
  for (const [method, path] of [...wrongMethods, ...unknown.map((p) => ["GET", p])]) {
    cases.push({ name: `no credentials, ${method} ${path.slice(0, 40)}`, method, path, auth: null, expect: 401 });
  }
  return cases;
}

const CASES = [...BODY_ENDPOINTS.flatMap(bodyCases), ...fieldValueCases(), ...bodilessCases(), ...authCases(), ...routeCases()];

// ---------------------------------------------------------------------------------------------
// Sending and judging

function requestOf(c) {
  const headers = new Headers();
  const auth = c.auth === undefined ? ADMIN : c.auth;
  if (auth !== null) headers.set("authorization", auth);
  let body = c.body;
  if (body !== undefined && body !== null && !(c.headers && "content-type" in c.headers))
    headers.set("content-type", "application/json");
  for (const [name, value] of Object.entries(c.headers ?? {})) if (value !== null) headers.set(name, value);
  if (body?.stream) {
    const total = body.stream;
    body = new ReadableStream({
      start(controller) {
        for (let sent = 0; sent < total; sent += LIMIT / 2) controller.enqueue(new Uint8Array(LIMIT / 2));
        controller.close();
      },
    });
  }
  return new Request(`http://edge.test${c.path}`, { method: c.method, headers, body, duplex: "half" });
}

async function sendBounded(handle, c) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CASE_DEADLINE_MS} ms`)), CASE_DEADLINE_MS);
  });
  try {
    const response = await Promise.race([handle(requestOf(c)), deadline]);
    return { status: response.status, headers: response.headers, text: await Promise.race([response.text(), deadline]) };
  } finally {
    clearTimeout(timer);
  }
}

const isString = (v) => typeof v === "string";
const keysAre = (body, keys) => json(Object.keys(body).sort()) === json([...keys].sort());

/** Why `out` is not an ES-shaped answer to `c`, or null. */
function problemWith(c, out) {
  if (out.status >= 500) return `a ${out.status}: ${out.text.slice(0, 300)}`;
  if (c.expect === "4xx" ? out.status < 400 : out.status !== c.expect)
    return `status ${out.status}, expected ${c.expect}: ${out.text.slice(0, 300)}`;
  if (out.status < 400) return null;
  const product = out.headers.get("x-elastic-product");
  const wantProduct = out.status === 401 || out.status === 403 ? null : "Elasticsearch";
  if (product !== wantProduct) return `X-elastic-product ${product} on a ${out.status}`;
  if (c.method === "HEAD") return null; // no body to judge
  if (!/^application\/(json|vnd\.elasticsearch\+json;compatible-with=\d)$/.test(out.headers.get("content-type") ?? "")) {
    return `Content-Type ${out.headers.get("content-type")}`;
  }
  let body;
  try {
    body = JSON.parse(out.text);
  } catch {
    return `a body that is not JSON: ${out.text.slice(0, 200)}`;
  }
  if (body === null || typeof body !== "object") return `a body that is not an object: ${out.text.slice(0, 200)}`;
  return shapeProblem(c, out, body);
}

function shapeProblem(c, out, body) {
  // §1.1: the standard envelope.
  if (body.error !== null && typeof body.error === "object") {
    const { error } = body;
    if (!isString(error.type) || !isString(error.reason)) return "envelope without string error.type/error.reason";
    if (
      !Array.isArray(error.root_cause) ||
      error.root_cause.length === 0 ||
      !error.root_cause.every((r) => isString(r.type) && isString(r.reason))
    ) {
      return "envelope without a root_cause list";
    }
    if (body.status !== out.status) return `envelope status ${body.status} on an HTTP ${out.status}`;
    if (!keysAre(body, ["error", "status"])) return `envelope with extra members ${Object.keys(body)}`;
    if (out.status === 401 && !out.headers.get("www-authenticate")) return "401 without WWW-Authenticate";
    return null;
  }
  // §3.2/§3.3: the OAuth2 body of the get-token endpoint, exactly two keys.
  if (isString(body.error) && "error_description" in body) {
    if (!(c.method === "POST" && c.path === TOKEN) || out.status !== 400) return "an OAuth2 body outside POST token 400";
    return keysAre(body, ["error", "error_description"]) && isString(body.error_description)
      ? null
      : "an OAuth2 body with other keys";
  }
  // RestController's own answers: 400 no handler {error}, 405/406 {error, status}.
  if (isString(body.error)) {
    if (out.status === 400)
      return keysAre(body, ["error"]) && /^no handler found for uri \[/.test(body.error)
        ? null
        : "a 400 route body of another shape";
    if (out.status === 405 || out.status === 406)
      return keysAre(body, ["error", "status"]) && body.status === out.status ? null : "a 405/406 body of another shape";
    return `a simple error body on a ${out.status}`;
  }
  // Endpoint bodies ES sends with a 404: invalidate's counts, get user's {}, delete user's found.
  if (out.status === 404) {
    if (c.path === TOKEN && keysAre(body, ["invalidated_tokens", "previously_invalidated_tokens", "error_count"])) return null;
    if (c.method === "GET" && keysAre(body, [])) return null;
    if (c.method === "DELETE" && keysAre(body, ["found"]) && body.found === false) return null;
  }
  return `not an ES shape: ${json(body).slice(0, 200)}`;
}

// ---------------------------------------------------------------------------------------------

test(`malformed input matrix (${CASES.length} cases): ES-shaped answers, no 5xx, no hang, and the handler keeps working`, async () => {
  const { handle, call } = await inProcess();
  const made = await call("PUT", USER, { auth: ADMIN, body: { password: PW, roles: ["superuser"] } });
  assert.equal(made.status, 200, made.text);

  const failures = [];
  for (const c of CASES) {
    try {
      const problem = problemWith(c, await sendBounded(handle, c));
      if (problem) failures.push(`${c.name}: ${problem}`);
    } catch (error) {
      failures.push(`${c.name}: ${error.message}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${CASES.length} cases failed:\n${failures.join("\n")}`);

  // The same handler, afterwards: a user, a password grant, bearer auth, refresh, invalidate.
  const pw = "after-the-matrix";
  assert.equal(
    (await call("PUT", "/_security/user/survivor", { auth: ADMIN, body: { password: pw, roles: ["superuser"] } })).status,
    200,
  );
  const token = await call("POST", TOKEN, { auth: ADMIN, body: { grant_type: "password", username: "survivor", password: pw } });
  assert.equal(token.status, 200, token.text);
  const me = await call("GET", "/_security/_authenticate", { auth: bearer(token.body.access_token) });
  assert.deepEqual([me.status, me.body.username, me.body.authentication_type], [200, "survivor", "token"]);
  const refreshed = await call("POST", TOKEN, {
    auth: ADMIN,
    body: { grant_type: "refresh_token", refresh_token: token.body.refresh_token },
  });
  assert.equal(refreshed.status, 200, refreshed.text);
  const gone = await call("DELETE", TOKEN, { auth: ADMIN, body: { token: refreshed.body.access_token } });
  assert.deepEqual(gone.body, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
  assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(refreshed.body.access_token) })).status, 401);
  assert.equal(
    (await call("GET", "/_security/_authenticate", { auth: basic("matrix_user", PW) })).status,
    200,
    "matrix_user was never locked out",
  );
});

test("metadata as deep as put-user allows still makes tokens that check and refresh", async () => {
  const { call } = await inProcess();
  // 99 levels of metadata inside the body's own object: the deepest body put-user accepts.
  const metadata = JSON.parse(deepObject(99));
  const made = await call("PUT", "/_security/user/deep_meta", {
    auth: ADMIN,
    body: { password: PW, roles: ["superuser"], metadata },
  });
  assert.equal(made.status, 200, made.text);
  const tooDeep = await call("PUT", "/_security/user/deep_meta", {
    auth: ADMIN,
    body: { password: PW, roles: ["superuser"], metadata: { a: metadata } },
  });
  assert.equal(tooDeep.status, 400);
  assert.match(tooDeep.body.error.reason, /^\[1:\d+\] Document nesting depth \(101\) exceeds the maximum allowed \(100\)$/);
  const token = await call("POST", TOKEN, { auth: ADMIN, body: { grant_type: "password", username: "deep_meta", password: PW } });
  assert.equal(token.status, 200, token.text);
  const me = await call("GET", "/_security/_authenticate", { auth: bearer(token.body.access_token) });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.body.metadata, metadata);
  const refreshed = await call("POST", TOKEN, {
    auth: ADMIN,
    body: { grant_type: "refresh_token", refresh_token: token.body.refresh_token },
  });
  assert.equal(refreshed.status, 200, refreshed.text);
});

test("exact answers for the new rejections: invalid UTF-8, a body where none is read, duplicate keys", async () => {
  const { handle } = await inProcess();
  const send = async (c) => {
    const out = await sendBounded(handle, c);
    return { status: out.status, body: JSON.parse(out.text) };
  };
  const envelope = (status, type, reason) => ({ error: { root_cause: [{ type, reason }], type, reason }, status });
  const utf = await send({ method: "POST", path: TOKEN, body: concat('{"grant_type":\n "caf', [0xe9, 0x22, 0x7d]) });
  assert.deepEqual(utf, {
    status: 400,
    body: envelope(400, "x_content_parse_exception", "[2:7] Invalid UTF-8 middle byte 0x22"),
  });
  const start = await send({ method: "DELETE", path: TOKEN, body: concat('{"token":"', [0xff], '"}') });
  assert.deepEqual(start.body, envelope(400, "x_content_parse_exception", "[1:11] Invalid UTF-8 start byte 0xff"));
  const bodiless = await send({ method: "DELETE", path: `${USER}?pretty`, body: "{}" });
  assert.deepEqual(bodiless, {
    status: 400,
    body: envelope(400, "illegal_argument_exception", `request [DELETE ${USER}] does not support having a body`),
  });
  const dup = await send({ method: "PUT", path: USER, body: '{"password":"matrix-pw-1",\n"password":"matrix-pw-2","roles":[]}' });
  assert.deepEqual(dup, { status: 400, body: envelope(400, "x_content_parse_exception", "[2:10] Duplicate field 'password'") });
});
