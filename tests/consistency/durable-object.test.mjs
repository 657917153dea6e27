// Strong consistency mode on workerd (Miniflare 4): the engine runs inside the TokenStore
// Durable Object over DurableObjectKV, one whole call at a time, reached through
// forwardEngineCalls(resolveStore(env)) from a Worker. Also DurableObjectKV itself on real
// Durable Object storage (AdapterProbe, with a test clock): the KV contract, expiry, the sweep.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startWorkerd } from "./workerd.mjs";
import { mixedWorkload } from "./workload.mjs";

const workerd = await startWorkerd();
after(() => workerd.stop());
const { call, dump, probe } = workerd;

const USER = (username, realm = "default_native") => ({ grant_type: "password", username, realm, roles: ["superuser"] });
const CLIENT = (username, realm = "default_native") => ({ username, realm });
// The token secret crosses to the object with the other options of the call.
const REFRESH = { secret: "durable-object-test-secret-32-characters" };

/** The body of a successful call; fails the test with the error otherwise. */
async function ok(name, args, store) {
  const out = await call(name, args, store);
  assert.ok("ok" in out, `${name} failed: ${JSON.stringify(out.error)}`);
  return out.ok;
}

const documents = async (store = "durable_object") => (await dump(store)).filter((k) => k.startsWith("t:")).length;

test("50 concurrent refreshes of one refresh token give exactly one distinct new pair", async () => {
  const before = await documents();
  const original = await ok("createToken", [USER("racer")]);
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => call("refreshToken", [original.refresh_token, CLIENT("racer"), REFRESH])),
  );
  assert.deepEqual(
    answers.filter((a) => a.error).map((a) => a.error.body),
    [],
    "all 50 succeed (one refresh, 49 replays)",
  );
  const pairs = new Set(answers.map((a) => `${a.ok.access_token} ${a.ok.refresh_token}`));
  assert.equal(pairs.size, 1);
  const pair = answers[0].ok;
  assert.notEqual(pair.access_token, original.access_token);
  assert.equal((await ok("checkToken", [pair.access_token])).username, "racer");
  assert.equal(await documents(), before + 2, "the original document and one successor");
});

test("an invalidation is visible to the very next check, for every mode", async () => {
  const modes = [
    (t) => ({ token: t.access_token }),
    (t) => ({ username: t.authentication.username }),
    (t) => ({ realm_name: t.authentication.authentication_realm.name }),
    (t) => ({ realm_name: t.authentication.authentication_realm.name, username: t.authentication.username }),
  ];
  for (const [i, body] of modes.entries()) {
    const token = await ok("createToken", [USER(`visible_${i}`, `realm_${i}`)]);
    assert.equal((await ok("checkToken", [token.access_token])).username, `visible_${i}`);
    const counts = await ok("invalidateToken", [body(token)]);
    assert.ok(counts.invalidated_tokens >= 1, JSON.stringify(counts));
    const check = await call("checkToken", [token.access_token]);
    assert.equal(check.error?.status, 401, `mode ${JSON.stringify(body(token))}`);
    assert.equal(check.error.body.error.reason, "token expired");
  }
  // Invalidating a refresh token: the next refresh is refused.
  const token = await ok("createToken", [USER("visible_refresh")]);
  await ok("invalidateToken", [{ refresh_token: token.refresh_token }]);
  const refresh = await call("refreshToken", [token.refresh_token, CLIENT("visible_refresh"), REFRESH]);
  assert.equal(refresh.error?.body.error_description, "token has been invalidated");
});

/** Invalidates access and refresh halves of 10 pairs while refreshing them, all at once. */
async function raceInvalidationsWithRefreshes(store) {
  const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => ok("createToken", [USER(`race_${store}_${i}`)], store)));
  const outcomes = await Promise.all(
    tokens.flatMap((t, i) => [
      call("invalidateToken", [{ token: t.access_token }], store),
      call("refreshToken", [t.refresh_token, CLIENT(`race_${store}_${i}`), REFRESH], store),
      call("invalidateToken", [{ refresh_token: t.refresh_token }], store),
    ]),
  );
  for (let i = 0; i < tokens.length; i++) {
    assert.equal(outcomes[3 * i].ok?.invalidated_tokens, 1, "the access half is reported invalidated");
    assert.equal(
      (await call("checkToken", [tokens[i].access_token], store)).error?.status,
      401,
      `pair ${i}: access token still valid`,
    );
    const again = await call("refreshToken", [tokens[i].refresh_token, CLIENT(`race_${store}_${i}`), REFRESH], store);
    assert.ok(again.error, `pair ${i}: refresh token still usable`);
  }
}

test("invalidations racing refreshes of the same pairs are never lost", () => raceInvalidationsWithRefreshes("durable_object"));

// The same race on plain KV through the same Worker: each half's invalidation is a key of its own
// (docs/storage-schema.md), so a refresh writing back the document it read cannot drop it.
test("...and on plain KV with its real local implementation", () => raceInvalidationsWithRefreshes("kv"));

test("tokens live in the Durable Object in its mode and in KV in the default mode", async () => {
  const [inKvBefore, inObjectBefore] = [await documents("kv"), await documents("durable_object")];
  const inKv = await ok("createToken", [USER("kv_user", "kv_realm")], "kv");
  assert.equal((await ok("checkToken", [inKv.access_token], "kv")).username, "kv_user");
  assert.equal((await call("checkToken", [inKv.access_token])).error?.status, 401, "the object does not see KV's token");
  assert.equal(await documents("kv"), inKvBefore + 1);
  await ok("createToken", [USER("do_user")]);
  assert.equal(await documents("kv"), inKvBefore + 1, "an object-mode token is not written to KV");
  assert.equal(await documents("durable_object"), inObjectBefore + 1);
});

test("the KV-shaped binding forwards single operations with KV's contract", async () => {
  // What the service does with its own keys (native-realm users), through resolveStore(env):
  // each operation one call into TokenStore, on DurableObjectKV.
  const op = (operation, ...args) => workerd.kv(operation, args);
  await op("put", "user:a", "A", { metadata: { n: 1 } });
  await op("put", "user:b", '{"b":2}', { expirationTtl: 120 });
  await op("put", "other", "X");
  assert.equal((await op("get", "user:a")).ok, "A");
  assert.deepEqual((await op("get", "user:b", "json")).ok, { b: 2 });
  assert.deepEqual(
    (await op("get", ["user:a", "user:b", "nope"])).ok,
    new Map([
      ["user:a", "A"],
      ["user:b", '{"b":2}'],
      ["nope", null],
    ]),
  );
  const listed = (await op("list", { prefix: "user:" })).ok;
  assert.deepEqual(
    listed.keys.map((k) => k.name),
    ["user:a", "user:b"],
  );
  assert.deepEqual(listed.keys[0].metadata, { n: 1 });
  assert.equal(typeof listed.keys[1].expiration, "number");
  assert.equal(listed.list_complete, true);
  await op("delete", "user:a");
  assert.equal((await op("get", "user:a")).ok, null);
  for (const [operation, args, message] of [
    ["put", ["k", "v", { expirationTtl: 59 }], /at least 60/],
    ["put", ["", "v"], /cannot be empty/],
    ["put", ["k".repeat(513), "v"], /414/],
    ["put", ["k", "v", { metadata: "m".repeat(1100) }], /413/],
    ["get", [Array.from({ length: 101 }, (_, i) => `k${i}`)], /maximum of 100/],
    ["list", [{ limit: 1001 }], /Invalid key_count_limit/],
  ]) {
    assert.match(
      (await op(operation, ...args)).thrown ?? "no error",
      message,
      `${operation} ${JSON.stringify(args).slice(0, 60)}`,
    );
  }
  await op("delete", "user:b");
  await op("delete", "other");
  assert.deepEqual(
    (await dump()).filter((k) => !/^[tiruw]:/.test(k)),
    [],
    "nothing left but token keys",
  );
});

test("list pages through many keys with cursors, in key order, skipping expired ones", async () => {
  const { ok: start } = await probe("raw");
  assert.deepEqual(start.keys, [], "the probe starts empty");
  const names = Array.from({ length: 25 }, (_, i) => `page:${String(i).padStart(2, "0")}`);
  for (const [i, name] of names.entries()) {
    await probe("kvOp", "put", [name, "v", i % 5 === 0 ? { expirationTtl: 60 } : { expirationTtl: 3600 }]);
  }
  const { ok: clock } = await probe("kvOp", "now", []);
  await probe("setClock", clock + 61_000); // the five 60 s keys have expired, unswept
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const { ok: page } = await probe("kvOp", "list", [{ prefix: "page:", limit: 10, cursor }]);
    seen.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.deepEqual(
    seen,
    names.filter((_, i) => i % 5 !== 0),
  );
  assert.equal(pages, 3);
  assert.equal((await probe("kvOp", "get", ["page:00"])).ok, null, "an expired key reads as absent before any sweep");
  assert.equal((await probe("raw")).ok.keys.filter((k) => k.startsWith("d:page:")).length, 25, "...though it is still stored");
  assert.equal((await probe("sweep")).ok, 5, "the sweep deletes exactly the expired ones");
  assert.equal((await probe("raw")).ok.keys.filter((k) => k.startsWith("d:page:")).length, 20);
  for (const name of names) await probe("kvOp", "delete", [name]);
  assert.deepEqual((await probe("raw")).ok.keys, [], "delete removes each key and its expiry index entry");
  await probe("setClock", Date.now());
});

test("Durable Object storage empties after a mixed workload: expiry, alarm, sweep", async () => {
  let clock = Date.now();
  await probe("setClock", clock);
  const lastWrite = await mixedWorkload({
    call: async (name, ...args) => {
      const out = (await probe("engine", name, args)).ok;
      assert.ok(out && "ok" in out, `${name}: ${JSON.stringify(out)}`);
      return out.ok;
    },
    advance: async (ms) => probe("setClock", (clock += ms)),
    now: () => clock,
  });
  const stored = (await probe("raw")).ok;
  const data = stored.keys.filter((k) => k.startsWith("d:"));
  const index = stored.keys.filter((k) => k.startsWith("x:"));
  assert.ok(data.length > 40, `the workload stored something (${data.length} keys)`);
  assert.equal(index.length, data.length, "every stored value has its expiry index entry");
  const longest = (24 * 60 + 30) * 60_000;
  assert.ok(
    stored.alarm !== null && stored.alarm <= lastWrite + longest + 60_000,
    `an alarm is set for the first expiry (${stored.alarm})`,
  );

  await probe("setClock", (clock = lastWrite + longest - 60_000));
  await probe("sweep");
  assert.ok((await probe("raw")).ok.keys.length > 0, "a sweep shortly before the end keeps the latest entries");

  await probe("setClock", (clock = lastWrite + longest + 1_000));
  await probe("sweep");
  assert.deepEqual((await probe("raw")).ok, { keys: [], alarm: null }, "all gone, and no alarm left");
});
