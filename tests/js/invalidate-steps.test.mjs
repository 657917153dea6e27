// invalidateToken of one token runs as synchronous engine steps around the store calls
// (www/engine/invalidate.js over src/wasm/invalidate.rs); a realm or user runs the async export.
// The steps must answer exactly as the async export does for one token (it runs the same core
// steps on its own binding of the store): the same reply, the same store calls in the same order
// with the same keys and lifetimes, and the same 503 for every way a store call fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bindGlue } from "../../www/engine/bind.js";
import { MemoryKV } from "../../www/memory-kv.js";

const dir = new URL("../../dist/wasm/", import.meta.url);
const glue = await import(new URL("edge_token.js", dir));
glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("edge_token_bg.wasm", dir))) });
const steps = bindGlue(glue);
// The async export for every body, as before the steps: step 1 answers "not one token".
const asyncOnly = bindGlue(new Proxy(glue, { get: (raw, name) => (name === "invalidateOneKeys" ? () => "" : raw[name]) }));

/**
 * A view of `kv` whose writes stay in an overlay of its own, logging every call, so that both
 * paths run on the same state; `fail` (method, call) may answer a failure instead.
 */
function overlay(kv, fail = () => undefined) {
  const written = new Map();
  const log = [];
  const value = (key) => (written.has(key) ? Promise.resolve(written.get(key)) : kv.get(key));
  const guarded = (method, entry, run) => {
    log.push(entry);
    const failure = fail(method);
    return failure === undefined ? run() : failure();
  };
  const binding = {
    now: () => kv.now(),
    get: (key) =>
      Array.isArray(key)
        ? guarded(
            "bulk",
            `bulk ${key.join(" ")}`,
            async () => new Map(await Promise.all(key.map(async (k) => [k, await value(k)]))),
          )
        : guarded("get", `get ${key}`, () => value(key)),
    put: (key, text, options) =>
      guarded("put", `put ${key} ${text} ${JSON.stringify(options)}`, async () => void written.set(key, text)),
    delete: (key) => guarded("delete", `delete ${key}`, async () => void written.set(key, null)),
    list: (options) => guarded("list", `list ${JSON.stringify(options)}`, () => kv.list(options)),
  };
  return { binding, log };
}

const answer = (promise) =>
  promise.then(
    (body) => ({ status: 200, body }),
    (e) => ({ status: e.status, body: e.body, headers: e.headers, message: e.message }),
  );

/** Both paths on `kv` (`fail` as overlay's): their answers and store calls, which must be equal. */
async function assertSame(kv, body, options, fail) {
  const a = overlay(kv, fail);
  const b = overlay(kv, fail);
  const mine = await answer(steps.invalidateToken(a.binding, body, options));
  const theirs = await answer(asyncOnly.invalidateToken(b.binding, body, options));
  const what = `${JSON.stringify(body)} ${JSON.stringify(options)}`;
  assert.deepEqual(mine, theirs, what);
  assert.deepEqual(a.log, b.log, what);
  return { ...mine, log: a.log };
}

/** `token` with its owner tag dropped, or replaced by `other`'s. */
function retagged(token, other) {
  const head = Buffer.from(token, "base64").subarray(0, 29);
  const tag = other === undefined ? Buffer.alloc(0) : Buffer.from(other, "base64").subarray(29);
  return Buffer.concat([head, tag]).toString("base64");
}

const WELL_FORMED_UNKNOWN = "w+aGBBgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc=";
const LEGACY = "46ToAxYzNUdPZWdYOFRQcWhjeHR3NWpvTmVB";
const NOT_BODIES = ["", "{}", "nope", '{"token":""}', '{"token":1}', '{"token":"a","refresh_token":"b"}', '{"token":"a","x":1}'];

test("one token's steps answer as the async export on a matrix of bodies, states and options", async () => {
  let now = 1_800_000_000_000;
  const kv = new MemoryKV({ now: () => now });
  const bodies = (tokens) => [
    ...NOT_BODIES,
    ...tokens.flatMap((t) => [{ token: t }, { refresh_token: t }]),
    { username: "carol" },
    { realm_name: "r" },
  ];
  const odd = [WELL_FORMED_UNKNOWN, LEGACY, "abcdefghijklmnopqrstuv", "not a token"];
  // No token stored yet: a well-formed token gets ES's 400.
  const empty = [];
  for (const body of bodies(odd)) empty.push((await assertSame(kv, body)).status);
  assert.ok(empty.includes(400) && empty.includes(404), String(empty));
  const issue = (username) => steps.createToken(kv, { grant_type: "password", username, realm: "r" });
  const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map(issue));
  await steps.invalidateToken(kv, { token: bob.access_token });
  await steps.invalidateToken(kv, { username: "carol" });
  now += 2 * 3600_000; // alice's access token has expired: it still counts (§2.7)
  const erin = await issue("erin");
  const tokens = [
    ...odd,
    ...[alice, bob, carol, dave, erin].flatMap((t) => [t.access_token, t.refresh_token]),
    retagged(alice.access_token),
    retagged(dave.access_token, erin.access_token),
    retagged(carol.refresh_token, alice.refresh_token),
  ];
  const seen = new Set();
  for (const options of [undefined, {}, { now: now + 1000 }, { now: -1 }, { timeout: "soon" }, { secret: 7 }]) {
    for (const body of bodies(tokens)) {
      const { status, body: reply } = await assertSame(kv, body, options);
      seen.add(`${status} ${JSON.stringify(reply?.invalidated_tokens)} ${JSON.stringify(reply?.previously_invalidated_tokens)}`);
    }
  }
  // The matrix reaches every answer: written, previously invalidated, 404, 400.
  for (const expected of ["200 1 0", "200 0 1", "404 0 0", "400 undefined undefined"])
    assert.ok(seen.has(expected), [...seen].join("; "));
});

test("a store call that fails, however it fails, is the same 503 both ways, and nothing is reported written", async () => {
  let now = 1_800_000_000_000;
  const kv = new MemoryKV({ now: () => now });
  const alice = await steps.createToken(kv, { grant_type: "password", username: "alice", realm: "r" });
  const failures = {
    error: () => Promise.reject(new Error("KV PUT failed: 503 Service Unavailable")),
    string: () => Promise.reject("a string"),
    object: () => Promise.reject({ code: 1 }),
    throws: () => {
      throw new TypeError("binding exploded");
    },
  };
  const bodies = [
    { token: alice.access_token },
    { token: retagged(alice.access_token) },
    { token: LEGACY },
    { token: WELL_FORMED_UNKNOWN },
  ];
  let failed = 0;
  for (const method of ["get", "bulk", "put", "list"]) {
    for (const [how, failure] of Object.entries(failures)) {
      for (const body of bodies) {
        const { status, body: reply, log } = await assertSame(kv, body, undefined, (m) => (m === method ? failure : undefined));
        if (log.some((entry) => entry.startsWith(`${method} `))) {
          assert.equal(status, 503, `${method} ${how} ${JSON.stringify(body)}`);
          assert.equal(reply.error.reason, "unable to perform requested action");
          failed++;
        }
      }
    }
  }
  // Each kind of call is made by two of the bodies: get and bulk get by the untagged token (and
  // get by the unknown one, bulk by the tagged one), put by both live ones, list by the others.
  assert.equal(failed, 4 * Object.keys(failures).length * 2, "every kind of call failed, every way");
  now += 1;
  assert.equal((await answer(steps.invalidateToken(kv, { token: alice.access_token }))).body.invalidated_tokens, 1);
});
