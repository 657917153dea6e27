// Secrets stay secret: after a full run of the API through the handler (users with passwords and
// with imported hashes, every grant, bearer authentication, invalidation in all five modes,
// failed and throttled logins), no password and no token appears in the store (keys, values,
// metadata), in any log line, or in any error response, neither raw nor in an encoded form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ELASTIC_PASSWORD, ROLES, TOKEN_SECRET, basic, bearer, inProcess, requireBuild } from "./helpers.mjs";
import { bcryptHash, pbkdf2Hash } from "./password-fixtures.mjs";

const TOKEN = "/_security/oauth2/token";
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"];

const unpadded = (text) => text.replace(/=+$/, "");

/** The forms a leaked secret could take: raw, URL-, JSON-, base64(url)- and hex-encoded. */
function encodedForms(secret) {
  const bytes = Buffer.from(secret, "utf8");
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    unpadded(bytes.toString("base64")),
    bytes.toString("base64url"),
    bytes.toString("hex"),
  ];
}

/**
 * A token's forms: those of its string, the string in base64url, and the token's bytes (the
 * whole, the 24 random bytes, and the 16 that are not shared with the paired token) encoded.
 */
function tokenForms(token) {
  const raw = Buffer.from(token, "base64");
  const random = raw.subarray(raw.length - 24);
  const forms = [...encodedForms(token), unpadded(token).replace(/\+/g, "-").replace(/\//g, "_")];
  for (const bytes of [raw, random, random.subarray(0, 16)]) {
    forms.push(unpadded(bytes.toString("base64")), bytes.toString("base64url"), bytes.toString("hex"));
  }
  return forms;
}

/** Replaces the console for the duration of `fn`; returns every line written. */
async function capturingConsole(fn) {
  const lines = [];
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  for (const m of CONSOLE_METHODS) console[m] = (...args) => lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    for (const [i, m] of CONSOLE_METHODS.entries()) console[m] = saved[i];
  }
  return lines;
}

/** `[where, secretLabel]` for every form of every secret found in `haystacks` ({where: text}). */
function leaks(haystacks, secrets) {
  const found = [];
  for (const [label, forms] of secrets) {
    for (const [where, text] of haystacks) {
      if (forms.some((form) => text.includes(form))) found.push(`${label} in ${where}`);
    }
  }
  return found;
}

test("no password or token in the store, the logs or an error response after a full run", async () => {
  const passwords = {
    alice_first: "alice-first-Pw-8c1f",
    alice: "alice-second-Pw-77ab",
    bob: "bob-bcrypt-Pw-19de",
    carol: "carol-pbkdf2-Pw-4f02",
    elastic: ELASTIC_PASSWORD,
  };
  const wrong = ["wrong-guess-1-aa91", "wrong-guess-2-bb82", "wrong-guess-3-cc73", "wrong-guess-4-dd64"];
  const tokens = [];
  const responses = [];
  let store;

  const logs = await capturingConsole(async () => {
    const { call: rawCall, kv } = await inProcess();
    store = kv;
    const call = async (...args) => {
      const out = await rawCall(...args);
      responses.push({ what: `${args[0]} ${args[1]} → ${out.status}`, ...out });
      for (const key of ["access_token", "refresh_token"]) if (typeof out.body?.[key] === "string") tokens.push(out.body[key]);
      return out;
    };
    const ok = async (status, ...args) => {
      const out = await call(...args);
      assert.equal(out.status, status, `${args[0]} ${args[1]}: ${out.text}`);
      return out.body;
    };

    // Users: a password (set, then changed), an imported bcrypt hash, an imported PBKDF2_STRETCH.
    await ok(200, "PUT", "/_security/user/alice", {
      auth: ADMIN,
      body: { password: passwords.alice_first, roles: ["superuser"] },
    });
    await ok(200, "PUT", "/_security/user/alice", {
      auth: ADMIN,
      body: { password: passwords.alice, roles: ["superuser"], full_name: "Alice" },
    });
    await ok(200, "PUT", "/_security/user/bob", {
      auth: ADMIN,
      body: { password_hash: bcryptHash(passwords.bob), roles: ["token_admin"] },
    });
    await ok(200, "PUT", "/_security/user/carol", {
      auth: ADMIN,
      body: { password_hash: pbkdf2Hash(passwords.carol, { stretch: true }), roles: [] },
    });
    for (const name of ["alice", "bob", "carol"]) {
      await ok(200, "GET", "/_security/_authenticate", { auth: basic(name, passwords[name]) });
    }
    await ok(200, "GET", "/_security/user", { auth: ADMIN });

    // Every grant, and each token as a bearer credential.
    const alice = await ok(200, "POST", TOKEN, {
      auth: ADMIN,
      body: { grant_type: "password", username: "alice", password: passwords.alice },
    });
    const bob = await ok(200, "POST", TOKEN, {
      auth: basic("bob", passwords.bob),
      body: { grant_type: "password", username: "bob", password: passwords.bob },
    });
    const carol = await ok(200, "POST", TOKEN, {
      auth: ADMIN,
      body: { grant_type: "password", username: "carol", password: passwords.carol, scope: "x" },
    });
    await ok(200, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "client_credentials" } });
    await ok(200, "POST", TOKEN, { auth: bearer(alice.access_token), body: { grant_type: "client_credentials" } });
    const bobNext = await ok(200, "POST", TOKEN, {
      auth: basic("bob", passwords.bob),
      body: { grant_type: "refresh_token", refresh_token: bob.refresh_token },
    });
    await ok(200, "POST", TOKEN, {
      auth: basic("bob", passwords.bob),
      body: { grant_type: "refresh_token", refresh_token: bob.refresh_token },
    });
    await ok(200, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "refresh_token", refresh_token: carol.refresh_token } });
    for (const access of [...tokens]) {
      if ((await call("GET", "/_security/_authenticate", { auth: bearer(access) })).status !== 200) continue;
    }

    // Failed logins: Basic and password grant, known and unknown users, up to the throttle.
    await ok(401, "GET", "/_security/_authenticate", { auth: basic("alice", wrong[0]) });
    await ok(401, "GET", "/_security/_authenticate", { auth: basic("elastic", wrong[1]) });
    await ok(401, "GET", "/_security/_authenticate", { auth: basic("ghost", wrong[2]) });
    await ok(401, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "password", username: "bob", password: wrong[3] } });
    for (let i = 0; i < 7; i++)
      await ok(401, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "password", username: "dave", password: wrong[i % 4] } });

    // Invalidation in all five modes, then the answers for invalidated and unknown tokens.
    await ok(200, "DELETE", TOKEN, { auth: ADMIN, body: { token: alice.access_token } });
    await ok(200, "DELETE", TOKEN, { auth: ADMIN, body: { refresh_token: alice.refresh_token } });
    await ok(200, "DELETE", TOKEN, { auth: ADMIN, body: { username: "bob" } });
    await ok(200, "DELETE", TOKEN, { auth: ADMIN, body: { realm_name: "default_native" } });
    await ok(200, "DELETE", TOKEN, { auth: ADMIN, body: { realm_name: "reserved", username: "elastic" } });
    await ok(401, "GET", "/_security/_authenticate", { auth: bearer(alice.access_token) });
    await ok(401, "GET", "/_security/_authenticate", { auth: bearer(bobNext.access_token) });
    await ok(400, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "refresh_token", refresh_token: alice.refresh_token } });
    await ok(400, "POST", TOKEN, { auth: ADMIN, body: { grant_type: "refresh_token", refresh_token: bobNext.refresh_token } });
    await ok(404, "DELETE", TOKEN, { auth: ADMIN, body: { token: alice.access_token.slice(0, -4) + "AAA=" } });
    await ok(400, "POST", TOKEN, {
      auth: ADMIN,
      body: { grant_type: "password", username: "alice", password: passwords.alice, refresh_token: alice.refresh_token },
    });
  });

  assert.ok(tokens.length >= 12, `the run made ${tokens.length} tokens`);
  const secrets = [
    ...Object.entries(passwords).map(([name, pw]) => [`password of ${name}`, encodedForms(pw)]),
    ...wrong.map((pw, i) => [`wrong password ${i + 1}`, encodedForms(pw)]),
    ...tokens.map((t, i) => [`token ${i + 1}`, tokenForms(t)]),
    ["TOKEN_SECRET", encodedForms(TOKEN_SECRET)],
  ];

  const entries = [...store.entries()];
  assert.ok(
    entries.some((e) => e.name.startsWith("user:")) && entries.some((e) => e.name.startsWith("t:")),
    "the store holds users and tokens",
  );
  assert.ok(
    entries.some((e) => e.name.startsWith("login:")),
    "the store holds login throttle state",
  );
  const stored = entries.flatMap((e) => [
    [`key ${e.name}`, e.name],
    [`value of ${e.name}`, e.value],
    [`metadata of ${e.name}`, JSON.stringify(e.metadata ?? null)],
  ]);
  assert.deepEqual(leaks(stored, secrets), [], "secrets in the store");

  assert.deepEqual(
    leaks(
      logs.map((line, i) => [`log line ${i + 1}`, line]),
      secrets,
    ),
    [],
    "secrets in the logs",
  );

  // Error responses never repeat a secret; no response at all repeats a password.
  const errors = responses.filter((r) => r.status >= 400).map((r) => [r.what, r.text + JSON.stringify([...r.headers])]);
  assert.ok(errors.length >= 15);
  assert.deepEqual(leaks(errors, secrets), [], "secrets in error responses");
  const passwordSecrets = secrets.filter(([label]) => label.includes("password") || label === "TOKEN_SECRET");
  assert.deepEqual(
    leaks(
      responses.map((r) => [r.what, r.text]),
      passwordSecrets,
    ),
    [],
    "passwords or TOKEN_SECRET in responses",
  );
});

test("an unexpected error is logged by its class and place, never by its message", async () => {
  requireBuild();
  const entry = await import("../../www/entry-node.js");
  const { engine } = await import("../../www/engine/bound.js");
  const { serviceHandler } = await import("../../www/service/handler.js");
  const { readServiceConfig } = await import("../../www/service/config.js");
  const secret = "leaky-Pw-0b7e";
  // A fault whose message quotes request data, as V8's JSON.parse errors do.
  const api = {
    ...engine,
    createToken: async () => {
      throw new SyntaxError(`Unexpected token 'l', "${secret}" is not valid JSON`);
    },
  };
  const env = { TOKENS: new entry.MemoryKV(), ELASTIC_PASSWORD, TOKEN_SECRET, ROLES: JSON.stringify(ROLES) };
  const handle = serviceHandler(api, readServiceConfig(api, env));
  let response;
  const logs = await capturingConsole(async () => {
    response = await handle(
      new Request("http://edge.test/_security/oauth2/token", {
        method: "POST",
        headers: { authorization: ADMIN, "content-type": "application/json" },
        body: JSON.stringify({ grant_type: "password", username: "elastic", password: ELASTIC_PASSWORD }),
      }),
    );
  });
  assert.equal(response.status, 500);
  const text = await response.text();
  assert.equal(JSON.parse(text).error.reason, "internal error");
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^edge-token: unexpected SyntaxError at [\w.-]+\.m?js:\d+$/);
  for (const haystack of [logs[0], text]) {
    assert.ok(!haystack.includes(secret) && !haystack.includes(ELASTIC_PASSWORD) && !haystack.includes(TOKEN_SECRET), haystack);
  }
});
