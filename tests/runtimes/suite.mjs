// One package suite for every runtime the README names (Node, Deno, Bun), in the manner of
// panva/jose: the scenarios import the package by its own name, so each runtime picks its entry
// through the conditional exports as a user's code would. No test framework and no node: module,
// so the suite itself runs unchanged anywhere; run-<runtime>.mjs beside it are the thin runners.
import * as pkg from "edge-token";
import { MemoryKV } from "edge-token/memory-kv";

const { createToken, checkToken, refreshToken, invalidateToken, createHandler, EdgeTokenError } = pkg;

const ELASTIC_PASSWORD = "suite-elastic-pw";
const TOKEN_SECRET = "runtime-suite-token-secret-32-chars";
const USER = { grant_type: "password", username: "token_user", realm: "default_native", roles: ["superuser"] };

// ---------------------------------------------------------------------------------------------
// Assertions: just enough, with messages that say what differed.

class AssertionError extends Error {
  name = "AssertionError";
}

function ok(value, message) {
  if (!value) throw new AssertionError(message);
}

function equal(actual, expected, what) {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Deep equality of JSON values (what the API returns), key order included. */
function sameJson(actual, expected, what) {
  equal(JSON.stringify(actual), JSON.stringify(expected), what);
}

/** Awaits `promise`, which must reject with an EdgeTokenError; returns that error. */
async function rejectsWithEdgeTokenError(promise, what) {
  try {
    await promise;
  } catch (error) {
    ok(error instanceof EdgeTokenError, `${what}: rejected with ${error?.name ?? typeof error}: ${error?.message}`);
    return error;
  }
  throw new AssertionError(`${what}: resolved, expected an EdgeTokenError`);
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers for the handler scenario.

const basic = (username, password) => `Basic ${btoa(`${username}:${password}`)}`;

function caller(handle) {
  return async (method, path, { auth, body } = {}) => {
    const headers = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers["content-type"] = "application/json";
    const request = new Request(`http://edge.test${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const response = await handle(request);
    ok(response instanceof Response, `${method} ${path}: the handler did not return a Response`);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export const scenarios = [
  {
    name: "edge-token/memory-kv and edge-token export the same MemoryKV class",
    async run() {
      // Two copies would make a MemoryKV from one entry foreign to the other (dual-package hazard).
      equal(MemoryKV, pkg.MemoryKV, "MemoryKV identity");
    },
  },
  {
    name: "createToken then checkToken on MemoryKV",
    async run() {
      const kv = new MemoryKV();
      const token = await createToken(kv, USER);
      equal(token.type, "Bearer", "type");
      equal(token.expires_in, 1200, "expires_in (default 20m)");
      equal(token.access_token.length, 84, "access token length (ES's 40 Base64 characters and the owner tag)");
      equal(typeof token.refresh_token, "string", "refresh_token of the password grant");
      const who = await checkToken(kv, token.access_token);
      equal(who.username, "token_user", "username");
      equal(who.authentication_type, "token", "authentication_type");
      sameJson(who.authentication_realm, { name: "default_native", type: "native" }, "authentication_realm");
      sameJson(who.roles, ["superuser"], "roles");
    },
  },
  {
    name: "refreshToken: a new pair that checks, and a repeat within 30 s gives the same pair",
    async run() {
      let now = Date.UTC(2026, 0, 1);
      const kv = new MemoryKV({ now: () => now });
      const token = await createToken(kv, USER);
      const client = { username: "token_user", realm: "default_native" };
      const first = await refreshToken(kv, token.refresh_token, client, { secret: TOKEN_SECRET });
      ok(first.access_token !== token.access_token, "the refreshed access token is new");
      ok(first.refresh_token !== token.refresh_token, "the refreshed refresh token is new");
      equal((await checkToken(kv, first.access_token)).username, "token_user", "owner of the new token");
      now += 10_000;
      const again = await refreshToken(kv, token.refresh_token, client, { secret: TOKEN_SECRET });
      equal(again.access_token, first.access_token, "repeat refresh access token");
      equal(again.refresh_token, first.refresh_token, "repeat refresh refresh token");
    },
  },
  {
    name: "invalidateToken by token: counts, then checkToken rejects 401 token expired",
    async run() {
      const kv = new MemoryKV();
      const token = await createToken(kv, USER);
      const counts = await invalidateToken(kv, { token: token.access_token });
      sameJson(counts, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 }, "first");
      const again = await invalidateToken(kv, JSON.stringify({ token: token.access_token }));
      sameJson(again, { invalidated_tokens: 0, previously_invalidated_tokens: 1, error_count: 0 }, "repeat");
      const error = await rejectsWithEdgeTokenError(checkToken(kv, token.access_token), "check after invalidate");
      equal(error.status, 401, "status");
      equal(error.body.error.type, "security_exception", "error type");
      equal(error.body.error.reason, "token expired", "reason");
      ok(/error="invalid_token"/.test(String(error.headers["WWW-Authenticate"])), "WWW-Authenticate names invalid_token");
    },
  },
  {
    name: "a bad token: EdgeTokenError with ES's status and body",
    async run() {
      const kv = new MemoryKV();
      const bad = await rejectsWithEdgeTokenError(checkToken(kv, "not-a-token"), "checkToken of garbage");
      equal(bad.name, "EdgeTokenError", "name");
      ok(bad instanceof Error, "an Error");
      equal(bad.status, 401, "status");
      equal(bad.body.status, 401, "body.status");
      equal(bad.body.error.type, "security_exception", "error type");
      equal(bad.body.error.root_cause[0].type, "security_exception", "root cause type");
      // ES answers an unknown token's invalidation with 404 and the zero-count body.
      const unknown = await rejectsWithEdgeTokenError(invalidateToken(kv, { token: "bm90LWEtdG9rZW4=" }), "unknown");
      equal(unknown.status, 404, "invalidate unknown: status");
      sameJson(unknown.body, { invalidated_tokens: 0, previously_invalidated_tokens: 0, error_count: 0 }, "body");
      // A malformed invalidate body is ES's 400 action_request_validation_exception.
      const invalid = await rejectsWithEdgeTokenError(invalidateToken(kv, {}), "empty invalidate body");
      equal(invalid.status, 400, "invalidate {}: status");
      equal(invalid.body.error.type, "action_request_validation_exception", "invalidate {}: type");
    },
  },
  {
    name: "invalidate by realm: both halves counted, other realms untouched",
    async run() {
      const kv = new MemoryKV();
      const inRealm = (username, realm, grant_type = "password") => ({ ...USER, grant_type, username, realm });
      await createToken(kv, inRealm("ann", "realm_a"));
      await createToken(kv, inRealm("bob", "realm_a"));
      await createToken(kv, inRealm("cid", "realm_a", "client_credentials"));
      const other = await createToken(kv, inRealm("dee", "realm_b"));
      const counts = await invalidateToken(kv, { realm_name: "realm_a" });
      // Two password-grant tokens (access + refresh each) and one client_credentials token.
      sameJson(counts, { invalidated_tokens: 5, previously_invalidated_tokens: 0, error_count: 0 }, "realm_a");
      equal((await checkToken(kv, other.access_token)).username, "dee", "realm_b's token still checks");
      const user = await invalidateToken(kv, { realm_name: "realm_b", username: "dee" });
      sameJson(user, { invalidated_tokens: 2, previously_invalidated_tokens: 0, error_count: 0 }, "realm_b + dee");
      await rejectsWithEdgeTokenError(checkToken(kv, other.access_token), "realm_b's token after");
    },
  },
  {
    name: "createHandler: put user, password grant, bearer _authenticate, invalidate, then 401",
    async run() {
      const roles = JSON.stringify({ token_admin: { cluster: ["manage_token"] } });
      const call = caller(createHandler({ TOKENS: new MemoryKV(), ELASTIC_PASSWORD, TOKEN_SECRET, ROLES: roles }));
      const admin = basic("elastic", ELASTIC_PASSWORD);
      const user = { password: "s3krit-password", roles: ["token_admin"], full_name: "Token User" };
      const put = await call("PUT", "/_security/user/token_user", { auth: admin, body: user });
      equal(put.status, 200, "put user");
      sameJson(put.body, { created: true }, "put user body");
      const grant = { grant_type: "password", username: "token_user", password: "s3krit-password" };
      const got = await call("POST", "/_security/oauth2/token", { auth: admin, body: grant });
      equal(got.status, 200, "get token");
      equal(got.headers.get("x-elastic-product"), "Elasticsearch", "X-Elastic-Product");
      const bearer = `Bearer ${got.body.access_token}`;
      const me = await call("GET", "/_security/_authenticate", { auth: bearer });
      equal(me.status, 200, "bearer _authenticate");
      equal(me.body.username, "token_user", "username");
      equal(me.body.full_name, "Token User", "full_name");
      equal(me.body.authentication_type, "token", "authentication_type");
      const gone = await call("DELETE", "/_security/oauth2/token", {
        auth: basic("token_user", "s3krit-password"),
        body: { token: got.body.access_token },
      });
      equal(gone.status, 200, "invalidate");
      equal(gone.body.invalidated_tokens, 1, "invalidated_tokens");
      const after = await call("GET", "/_security/_authenticate", { auth: bearer });
      equal(after.status, 401, "bearer _authenticate after invalidate");
      equal(after.body.error.reason, "token expired", "reason after invalidate");
      ok(/error="invalid_token"/.test(after.headers.get("www-authenticate") ?? ""), "WWW-Authenticate after");
    },
  },
];

/**
 * The runtime's own HTTP server (`serve`, from the runner) aborts a request's signal when its
 * client leaves before the answer: the README's promise that the login throttle drops a queued
 * login then (handler.js hands `request.signal` to it; the throttle's side of it is tested on the
 * host, tests/js/throttle-lease.test.mjs). A request that is answered is not aborted first.
 */
function clientGoneScenario(serve) {
  return {
    name: "the runtime's server aborts request.signal when the client leaves",
    async run() {
      const handle = createHandler({ TOKENS: new MemoryKV(), ELASTIC_PASSWORD, TOKEN_SECRET });
      const held = [];
      const server = await serve(async (request) => {
        ok(!request.signal.aborted, "the signal is not aborted when the handler starts");
        if (new URL(request.url).pathname !== "/held") return handle(request);
        const aborted = new Promise((resolve) => request.signal.addEventListener("abort", resolve, { once: true }));
        held.push(aborted);
        // Bounded, so that a server whose signal never aborts still shuts down (Deno's waits).
        await Promise.race([aborted, new Promise((resolve) => setTimeout(resolve, 6_000))]);
        return new Response(null, { status: 499 });
      });
      try {
        const answered = await fetch(`${server.url}_security/_authenticate`, {
          headers: { authorization: basic("elastic", ELASTIC_PASSWORD) },
        });
        equal(answered.status, 200, "an answered request");
        await answered.text();
        const leaving = new AbortController();
        const gone = fetch(`${server.url}held`, { signal: leaving.signal }).catch((error) => error);
        for (let waited = 0; held.length === 0 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
        equal(held.length, 1, "the held request reached the handler");
        leaving.abort();
        ok((await gone)?.name === "AbortError", "the client gave up");
        const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), 5_000));
        equal(await Promise.race([held[0].then(() => "aborted"), timeout]), "aborted", "the server-side signal");
      } finally {
        await server.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

/**
 * Runs the scenarios in order and prints TAP-like lines, then `<label>: N passed, N failed`
 * (the closing line CI reads). `entry` is the file name the runtime should resolve "edge-token"
 * to; checking it is one more test. `serve(handler)`, when the runner gives it, starts the
 * runtime's own HTTP server on 127.0.0.1: `{url, close()}`. Returns the counts; the runner sets
 * the exit code.
 */
export async function runSuite({ label, runtime, entry, serve }) {
  const print = (line) => console.log(line);
  const resolved = import.meta.resolve("edge-token");
  print("TAP version 13");
  print(`# ${runtime}`);
  print(`# edge-token resolves to ${resolved}`);
  const tests = [
    {
      name: `"edge-token" resolves to www/${entry}`,
      run: async () => ok(resolved.endsWith(`/www/${entry}`), `resolved to ${resolved}`),
    },
    ...scenarios,
    ...(serve ? [clientGoneScenario(serve)] : []),
  ];
  let passed = 0;
  let failed = 0;
  for (const [index, { name, run }] of tests.entries()) {
    const started = performance.now();
    try {
      await run();
      passed += 1;
      print(`ok ${index + 1} - ${name} # ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      failed += 1;
      print(`not ok ${index + 1} - ${name}`);
      for (const line of String(error?.stack ?? error).split("\n")) print(`  # ${line}`);
    }
  }
  print(`1..${tests.length}`);
  print(`${label}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}
