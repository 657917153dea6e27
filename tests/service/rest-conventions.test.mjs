// ES's REST conventions through the in-process handler: filter_path and pretty on every reply
// (errors unfiltered), the endpoints' parameter lists and ES's 400 for the others, and ES 9's
// compatible-version rules for Accept and Content-Type. The rules are the core's (tested row by
// row in Rust); these show them applied to every reply, in ES's order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@elastic/elasticsearch";
import { clientFilterPath } from "./client-conventions.mjs";
import { ADMIN, ELASTIC_PASSWORD, inProcess, startNodeServer } from "./helpers.mjs";

const TOKEN = "/_security/oauth2/token";
const grant = { grant_type: "client_credentials" };

test("filter_path on get-token, authenticate, users and the invalidate 404: includes, wildcards, exclusions", async () => {
  const { call } = await inProcess();
  const two = await call("POST", `${TOKEN}?filter_path=access_token,expires_in`, { auth: ADMIN, body: grant });
  assert.equal(two.status, 200);
  assert.deepEqual(Object.keys(two.body), ["access_token", "expires_in"]);
  const me = await call("GET", "/_security/_authenticate?filter_path=username", { auth: ADMIN });
  assert.equal(me.text, '{"username":"elastic"}');
  const realms = await call("GET", "/_security/_authenticate?filter_path=*_realm.type,-lookup_realm", { auth: ADMIN });
  assert.deepEqual(realms.body, { authentication_realm: { type: "reserved" } });
  const deep = await call("POST", `${TOKEN}?filter_path=**.name`, { auth: ADMIN, body: grant });
  assert.deepEqual(Object.keys(deep.body), ["authentication"]);
  const nothing = await call("GET", "/?filter_path=nope", { auth: ADMIN });
  assert.equal(nothing.text, "{}");
  const minus = await call("GET", "/?filter_path=-version,-tagline,-cluster_uuid", { auth: ADMIN });
  assert.deepEqual(minus.body, { name: "edge-token", cluster_name: "edge-token" });
  // Repeated: ES keeps the last value.
  const last = await call("GET", "/?filter_path=name&filter_path=tagline", { auth: ADMIN });
  assert.deepEqual(last.body, { tagline: "You Know, for Search" });
  const missing = await call("DELETE", `${TOKEN}?filter_path=invalidated_tokens`, {
    auth: ADMIN,
    body: { token: "46ToAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVBAAAA" },
  });
  if (missing.status === 404) assert.deepEqual(missing.body, { invalidated_tokens: 0 });
});

test("errors are never filtered (ES builds them with filtering off); pretty indents them too", async () => {
  const { call } = await inProcess();
  const unauthenticated = await call("GET", "/_security/_authenticate?filter_path=status");
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.body.error.type, "security_exception");
  const bad = await call("POST", `${TOKEN}?filter_path=error&pretty`, { auth: ADMIN, body: { grant_type: "nope" } });
  assert.equal(bad.status, 400);
  assert.ok(bad.text.startsWith('{\n  "error" : '), bad.text);
  assert.ok(bad.text.endsWith("\n}\n"));
  assert.ok(bad.body.error_description ?? bad.body.error.reason);
});

test("pretty as ES writes it: two spaces, ' : ', { } for empty, a line feed at the end", async () => {
  const { call } = await inProcess();
  const out = await call("GET", "/_security/_authenticate?pretty&filter_path=username,metadata", { auth: ADMIN });
  assert.equal(out.text, '{\n  "username" : "elastic",\n  "metadata" : {\n    "_reserved" : true\n  }\n}\n');
  const empty = await call("GET", "/?pretty=true&filter_path=x", { auth: ADMIN });
  assert.equal(empty.text, "{ }\n");
  const plain = await call("GET", "/?pretty=false&human=true&error_trace=true&format=json", { auth: ADMIN });
  assert.equal(plain.status, 200);
  assert.equal(plain.text, JSON.stringify(plain.body));
});

test("unknown parameters: ES's 400 with its did-you-mean, after authentication and routing", async () => {
  const { call } = await inProcess();
  const one = await call("POST", `${TOKEN}?x=1`, { auth: ADMIN, body: grant });
  assert.equal(one.status, 400);
  assert.deepEqual(one.body.error.root_cause, [
    { type: "illegal_argument_exception", reason: "request [/_security/oauth2/token] contains unrecognized parameter: [x]" },
  ]);
  const typo = await call("GET", "/_security/_authenticate?prety&filter-path=a", { auth: ADMIN });
  assert.equal(
    typo.body.error.reason,
    "request [/_security/_authenticate] contains unrecognized parameters: [filter-path] -> did you mean [filter_path]?, [prety] -> did you mean [pretty]?",
  );
  const user = await call("DELETE", "/_security/user/nobody?refrash=true", { auth: ADMIN });
  assert.equal(
    user.body.error.reason,
    "request [/_security/user/nobody] contains unrecognized parameter: [refrash] -> did you mean [refresh]?",
  );
  const refresh = await call("DELETE", "/_security/user/nobody?refresh=soon", { auth: ADMIN });
  assert.equal(refresh.body.error.reason, "Unknown value for refresh: [soon].");
  assert.equal((await call("GET", "/_security/user?with_profile_uid=true", { auth: ADMIN })).status, 200);
  // The query's username selects users on /_security/user, as the path's does.
  const byQuery = await call("GET", "/_security/user?username=elastic", { auth: ADMIN });
  assert.deepEqual(Object.keys(byQuery.body), ["elastic"]);
  // Before routing: bad booleans and bad escapes; 401 still first.
  assert.equal((await call("GET", "/?x=1")).status, 401);
  const pretty = await call("GET", "/nowhere?pretty=yes", { auth: ADMIN });
  assert.equal(pretty.status, 400);
  assert.equal(pretty.body.error.reason, "Failed to parse value [yes] as only [true] or [false] are allowed.");
  const trace = await call("GET", "/?error_trace=1", { auth: ADMIN });
  assert.equal(
    trace.text,
    JSON.stringify({ error: "Failed to parse value [1] as only [true] or [false] are allowed.", status: 400 }),
  );
  const badEscape = await call("GET", "/?pretty=%", { auth: ADMIN });
  assert.equal(badEscape.body.error.type, "bad_parameter_exception");
});

test("ES 9's compatible versions: 7 refused, Accept and Content-Type must agree when a body is sent", async () => {
  const { call } = await inProcess();
  const vnd = (n) => `application/vnd.elasticsearch+json; compatible-with=${n}`;
  const seven = await call("GET", "/", { auth: ADMIN, headers: { accept: vnd(7) } });
  assert.equal(seven.status, 400);
  assert.deepEqual(seven.body, {
    error: {
      root_cause: [{ type: "media_type_header_exception", reason: "Invalid media-type value on headers [Accept, Content-Type]" }],
      type: "media_type_header_exception",
      reason: "Invalid media-type value on headers [Accept, Content-Type]",
      caused_by: {
        type: "status_exception",
        reason: `Accept version must be either version 9 or 8, but found 7. Accept=${vnd(7)}`,
      },
    },
    status: 400,
  });
  const mixed = await call("POST", TOKEN, { auth: ADMIN, body: grant, headers: { accept: vnd(8), "content-type": vnd(9) } });
  assert.equal(mixed.status, 400);
  assert.equal(
    mixed.body.error.caused_by.reason,
    "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible " +
      `version and the compatible versions must match. Accept=${vnd(8)}, Content-Type=${vnd(9)}`,
  );
  for (const n of [8, 9]) {
    const ok = await call("POST", TOKEN, { auth: ADMIN, body: grant, headers: { accept: vnd(n), "content-type": vnd(n) } });
    assert.equal(ok.status, 200, `compatible-with=${n}`);
  }
  // Without a body only Accept is read.
  assert.equal((await call("GET", "/", { auth: ADMIN, headers: { "content-type": vnd(7) } })).status, 200);
});

test("the official client's filter_path on the Node server", { timeout: 120_000 }, async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  try {
    await clientFilterPath(es);
  } finally {
    await es.close();
    await server.stop();
  }
});

test("CORS as ES: preflight before authentication, 401 before the origin's 403, headers on every reply", async () => {
  const { call } = await inProcess({
    HTTP_CORS_ENABLED: true,
    HTTP_CORS_ALLOW_ORIGIN: "http://app.test",
    HTTP_CORS_ALLOW_CREDENTIALS: "true",
  });
  const preflight = (origin) => call("OPTIONS", TOKEN, { headers: { origin, "access-control-request-method": "DELETE" } });
  const ok = await preflight("http://app.test");
  assert.equal(ok.status, 200);
  assert.equal(ok.text, "");
  assert.equal(ok.headers.get("access-control-allow-origin"), "http://app.test");
  assert.equal(ok.headers.get("access-control-allow-credentials"), "true");
  assert.equal(ok.headers.get("access-control-max-age"), "1728000");
  assert.equal(ok.headers.get("access-control-allow-methods"), "OPTIONS, HEAD, GET, POST, PUT, DELETE");
  assert.equal(ok.headers.get("x-elastic-product"), null);
  const refused = await preflight("http://evil.test");
  assert.deepEqual([refused.status, refused.text, [...refused.headers.keys()]], [403, "", []]);
  // A request from an origin not allowed: 401 without credentials (ES authenticates first), an
  // empty 403 with them.
  assert.equal((await call("GET", "/", { headers: { origin: "http://evil.test" } })).status, 401);
  const evil = await call("GET", "/", { auth: ADMIN, headers: { origin: "http://evil.test" } });
  assert.deepEqual([evil.status, evil.text], [403, ""]);
  // Allowed: the headers on successes and errors alike; no Origin, no CORS headers.
  for (const auth of [ADMIN, undefined]) {
    const out = await call("GET", "/", { auth, headers: { origin: "http://app.test" } });
    assert.equal(out.headers.get("access-control-allow-origin"), "http://app.test", String(out.status));
    assert.equal(out.headers.get("access-control-expose-headers"), "X-elastic-product");
    assert.equal(out.headers.get("vary"), "origin");
  }
  assert.equal((await call("GET", "/", { auth: ADMIN })).headers.get("access-control-allow-origin"), null);
  // Off by default: an OPTIONS is the route table's answer.
  const { call: plain } = await inProcess();
  const options = await plain("OPTIONS", TOKEN, {
    headers: { origin: "http://app.test", "access-control-request-method": "POST" },
  });
  assert.equal(options.headers.get("access-control-allow-origin"), null);
  // A bad setting fails at start-up with the core's message.
  await assert.rejects(inProcess({ HTTP_CORS_ENABLED: "true", HTTP_CORS_MAX_AGE: "soon" }), /HTTP_CORS_MAX_AGE/);
  await assert.rejects(inProcess({ HTTP_CORS_ENABLED: "true", HTTP_CORS_ALLOW_ORIGINS: "*" }), /unknown field `allow_origins`/);
  await assert.rejects(inProcess({ HTTP_CORS_ENABLED: "true", HTTP_CORS_ALLOW_ORIGIN: "/(/" }), /Bad regex/);
});

test("CORS origin pattern: the host's RegExp runs it, anchored to the whole origin as Java's matches()", async () => {
  const { call } = await inProcess({ HTTP_CORS_ENABLED: "true", HTTP_CORS_ALLOW_ORIGIN: "/https?:\\/\\/app\\.test(:\\d+)?/" });
  const origin = async (origin) => (await call("GET", "/", { headers: { origin } })).headers.get("access-control-allow-origin");
  assert.equal(await origin("http://app.test:3000"), "http://app.test:3000");
  assert.equal(await origin("https://app.test"), "https://app.test");
  assert.equal(await origin("http://app.test.evil"), null);
  assert.equal(await origin("http://evil.test/?http://app.test"), null);
});

test("the method as the client sent it: a lower-case one is ES's 405 quoting it", async () => {
  const { call } = await inProcess();
  // fetch keeps the case of a method other than its six (DELETE, GET, HEAD, OPTIONS, POST, PUT).
  const lower = await call("patch", TOKEN, { auth: ADMIN });
  assert.equal(lower.status, 405);
  assert.equal(lower.body.error, "Unexpected http method: patch, allowed: [POST, DELETE]");
  assert.equal(lower.headers.get("allow"), "POST,DELETE");
  const upper = await call("PATCH", TOKEN, { auth: ADMIN });
  assert.match(upper.body.error, /^Incorrect HTTP method for uri \[\/_security\/oauth2\/token\] and method \[PATCH\]/);
  const unknown = await call("BREW", "/nope", { auth: ADMIN });
  assert.deepEqual([unknown.status, unknown.body.error], [405, "Unexpected http method: BREW"]);
  // Before routing, authentication: without credentials, the 401.
  assert.equal((await call("patch", TOKEN)).status, 401);
});
