// Bad input, table-driven: every endpoint × malformed bodies, fields, encodings, sizes, media
// types, Authorization headers, routes and methods, sent to createHandler on MemoryKV. Each
// answer must be an Elasticsearch-shaped 4xx (or the exact status a row names), never a 5xx,
// within a deadline; afterwards the same handler must still serve a full token round trip.
// Failures are collected and reported together, one line per case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, bearer, inProcess } from "./helpers.mjs";
import { CASES, CASE_DEADLINE_MS, LIMIT, PW, TOKEN, USER, concat, deepObject, json } from "./malformed-cases.mjs";

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
