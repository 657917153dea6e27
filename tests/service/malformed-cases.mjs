// The malformed-input matrix's cases (malformed.test.mjs runs them): every endpoint × malformed
// bodies, fields, encodings, sizes, media types, Authorization headers, routes and methods, each
// with the answer it must get.
import { basic, bearer } from "./helpers.mjs";

export const LIMIT = 1024 * 1024;
export const CASE_DEADLINE_MS = 15_000;
export const PW = "matrix-pw-1";
export const TOKEN = "/_security/oauth2/token";
export const USER = "/_security/user/matrix_user";
const DEEP = 100_000;

const b64 = (text) => Buffer.from(text, "latin1").toString("base64");
/** Text and raw bytes (arrays of numbers) as one body. */
export const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const deepArray = (n) => "[".repeat(n) + "]".repeat(n);
export const deepObject = (n) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
export const json = (value) => JSON.stringify(value);
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

export const CASES = [
  ...BODY_ENDPOINTS.flatMap(bodyCases),
  ...fieldValueCases(),
  ...bodilessCases(),
  ...authCases(),
  ...routeCases(),
];
