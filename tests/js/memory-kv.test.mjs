// MemoryKV must behave like a Workers KV namespace, because the Rust core is tested against it
// in Node and against the real thing in workerd: a difference here hides a bug there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";

/** A MemoryKV with a clock the test moves by hand. */
function kvAt(startMs = Date.UTC(2025, 0, 1)) {
  const clock = { ms: startMs };
  const kv = new MemoryKV({ now: () => clock.ms });
  return { kv, clock, advance: (ms) => (clock.ms += ms) };
}

async function listAll(kv, options = {}) {
  const names = [];
  const cursors = new Set();
  let pages = 0;
  let cursor;
  for (;;) {
    const page = await kv.list({ ...options, cursor });
    pages++;
    names.push(...page.keys.map((k) => k.name));
    if (page.list_complete) {
      assert.equal(page.cursor, undefined, "a complete page carries no cursor");
      return { names, pages };
    }
    assert.equal(typeof page.cursor, "string");
    assert.ok(!cursors.has(page.cursor), "cursors never repeat");
    cursors.add(page.cursor);
    cursor = page.cursor;
  }
}

test("get returns null for a missing key and the text that was put", async () => {
  const { kv } = kvAt();
  assert.equal(await kv.get("nope"), null);
  await kv.put("k", "v1");
  assert.equal(await kv.get("k"), "v1");
  await kv.put("k", "v2");
  assert.equal(await kv.get("k"), "v2");
  assert.equal(await kv.get("k", "text"), "v2");
  assert.equal(await kv.get("k", { type: "text" }), "v2");
});

test("get decodes json and arrayBuffer types", async () => {
  const { kv } = kvAt();
  await kv.put("j", JSON.stringify({ a: [1, "ü"] }));
  assert.deepEqual(await kv.get("j", "json"), { a: [1, "ü"] });
  assert.deepEqual(await kv.get("j", { type: "json" }), { a: [1, "ü"] });
  const buf = await kv.get("j", "arrayBuffer");
  assert.ok(buf instanceof ArrayBuffer);
  assert.equal(new TextDecoder().decode(buf), '{"a":[1,"ü"]}');
  assert.equal(await kv.get("missing", "json"), null);
  await assert.rejects(kv.get("j", "bogus"), TypeError);
});

test("put stores ArrayBuffer and ArrayBufferView values as text", async () => {
  const { kv } = kvAt();
  const bytes = new TextEncoder().encode("héllo");
  await kv.put("view", bytes);
  await kv.put("buffer", bytes.buffer.slice(0));
  await kv.put("dataview", new DataView(bytes.buffer, 1, 2));
  assert.equal(await kv.get("view"), "héllo");
  assert.equal(await kv.get("buffer"), "héllo");
  assert.equal(await kv.get("dataview"), "é");
  await assert.rejects(kv.put("n", 42), TypeError);
  await assert.rejects(kv.put("o", { a: 1 }), TypeError);
});

test("bulk get returns a Map with null for missing keys, in request order", async () => {
  const { kv } = kvAt();
  await kv.put("a", "1");
  await kv.put("c", '{"x":3}');
  const result = await kv.get(["c", "missing", "a"]);
  assert.ok(result instanceof Map);
  assert.deepEqual(
    [...result],
    [
      ["c", '{"x":3}'],
      ["missing", null],
      ["a", "1"],
    ],
  );
  const asJson = await kv.get(["c"], "json");
  assert.deepEqual([...asJson], [["c", { x: 3 }]]);
});

test("bulk get takes 1 to 100 keys and only text or json", async () => {
  const { kv } = kvAt();
  const keys = (n) => Array.from({ length: n }, (_, i) => `k${i}`);
  assert.equal((await kv.get(keys(100))).size, 100);
  await assert.rejects(kv.get(keys(101)), /maximum of 100 keys/);
  await assert.rejects(kv.get([]), /minimum of 1 key/);
  await assert.rejects(kv.get(["a"], "arrayBuffer"), TypeError);
  await assert.rejects(kv.get(["ok", ""]), /empty/);
});

test("metadata is listed with its key; a key without metadata lists none", async () => {
  const { kv } = kvAt();
  await kv.put("m", "v", { metadata: { user: "u", n: 2 } });
  await kv.put("plain", "p");
  assert.deepEqual((await kv.list()).keys, [{ name: "m", metadata: { user: "u", n: 2 } }, { name: "plain" }]);
});

test("stored metadata is a copy, not the caller's object", async () => {
  const { kv } = kvAt();
  const metadata = { n: 1 };
  await kv.put("k", "v", { metadata });
  metadata.n = 2;
  assert.deepEqual((await kv.list()).keys[0].metadata, { n: 1 });
});

test("delete removes a key and is a no-op for a missing one", async () => {
  const { kv } = kvAt();
  await kv.put("a", "1");
  await kv.put("b", "2");
  await kv.delete("a");
  await kv.delete("never-there");
  assert.equal(await kv.get("a"), null);
  assert.equal(await kv.get("b"), "2");
  assert.equal(kv.size, 1);
  assert.deepEqual(
    (await kv.list()).keys.map((k) => k.name),
    ["b"],
  );
});

test("put validates keys like Workers", async () => {
  const { kv } = kvAt();
  await assert.rejects(kv.put("", "v"), { name: "TypeError", message: "Key name cannot be empty." });
  await assert.rejects(kv.put(".", "v"), { name: "TypeError", message: '"." is not allowed as a key name.' });
  await assert.rejects(kv.put("..", "v"), { name: "TypeError", message: '".." is not allowed as a key name.' });
  // 512 bytes is the limit, counted in UTF-8: 171 three-byte characters are 513 bytes.
  await kv.put("k".repeat(512), "v");
  await assert.rejects(kv.put("k".repeat(513), "v"), /414 UTF-8 encoded length of 513 exceeds key length limit of 512/);
  await assert.rejects(kv.put("€".repeat(171), "v"), /length of 513 exceeds/);
  await kv.put("€".repeat(170), "v");
  await assert.rejects(kv.get("k".repeat(513)), /414/);
  await assert.rejects(kv.get(""), TypeError);
  await assert.rejects(kv.delete(""), TypeError);
  assert.equal(kv.size, 2);
});

test("put validates expirationTtl and expiration like Workers", async () => {
  const { kv, clock } = kvAt();
  const nowS = Math.floor(clock.ms / 1000);
  await assert.rejects(
    kv.put("k", "v", { expirationTtl: 59 }),
    /Invalid expiration_ttl of 59\. Expiration TTL must be at least 60\./,
  );
  await assert.rejects(kv.put("k", "v", { expirationTtl: 0 }), /Invalid expiration_ttl of 0/);
  await assert.rejects(kv.put("k", "v", { expirationTtl: "abc" }), /Invalid expiration_ttl/);
  await assert.rejects(kv.put("k", "v", { expiration: nowS }), /greater than the current number of seconds/);
  await assert.rejects(kv.put("k", "v", { expiration: nowS + 59 }), /at least 60 seconds in the future/);
  assert.equal(kv.size, 0, "a rejected put stores nothing");
  await kv.put("ttl", "v", { expirationTtl: 60 });
  await kv.put("abs", "v", { expiration: nowS + 60 });
  const keys = (await kv.list()).keys;
  assert.deepEqual(keys, [
    { name: "abs", expiration: nowS + 60 },
    { name: "ttl", expiration: nowS + 60 },
  ]);
});

test("put limits metadata to 1024 bytes of JSON", async () => {
  const { kv } = kvAt();
  const sized = (n) => ({ s: "m".repeat(n - 8) }); // {"s":"..."} is n bytes
  assert.equal(JSON.stringify(sized(1024)).length, 1024);
  await kv.put("ok", "v", { metadata: sized(1024) });
  await assert.rejects(kv.put("big", "v", { metadata: sized(1025) }), /413 Metadata length of 1025 exceeds limit of 1024/);
  assert.equal(await kv.get("big"), null);
});

test("expired entries vanish from get, list, size and entries at the expiry second", async () => {
  const { kv, clock, advance } = kvAt(Date.UTC(2025, 0, 1, 0, 0, 0, 500));
  await kv.put("short", "s", { expirationTtl: 60, metadata: { m: 1 } });
  await kv.put("long", "l", { expirationTtl: 120 });
  await kv.put("forever", "f");
  const expiresAt = Math.floor(clock.ms / 1000) + 60;

  advance(59_000);
  assert.equal(await kv.get("short"), "s", "still alive a little before expiry");
  assert.equal(kv.size, 3);

  clock.ms = expiresAt * 1000 - 1;
  assert.equal(await kv.get("short"), "s", "alive 1 ms before the expiration second");
  clock.ms = expiresAt * 1000;
  assert.equal(await kv.get("short"), null);
  assert.deepEqual(
    [...(await kv.get(["short", "long"]))],
    [
      ["short", null],
      ["long", "l"],
    ],
  );
  assert.deepEqual(
    (await kv.list()).keys.map((k) => k.name),
    ["forever", "long"],
  );
  assert.equal(kv.size, 2);
  assert.deepEqual(
    [...kv.entries()].map((e) => e.name),
    ["forever", "long"],
  );

  advance(60_000);
  assert.equal(kv.size, 1);
  await kv.delete("forever");
  assert.equal(kv.size, 0);
});

test("size goes to 0 once every TTL has passed, without touching the keys", async () => {
  const { kv, advance } = kvAt();
  for (let i = 0; i < 300; i++) await kv.put(`t${i}`, "v", { expirationTtl: 60 + i });
  assert.equal(kv.size, 300);
  // TTLs are 60..359 s: at 210 s those of 60..210 s (151 keys) have passed.
  advance(210 * 1000);
  assert.equal(kv.size, 300 - 151);
  advance(148 * 1000);
  assert.equal(kv.size, 1, "the 359 s key is alive until its second");
  advance(1000);
  assert.equal(kv.size, 0);
  assert.deepEqual([...kv.entries()], []);
});

test("a key re-put after expiry is live again with its new expiration", async () => {
  const { kv, clock, advance } = kvAt();
  await kv.put("k", "old", { expirationTtl: 60 });
  advance(61_000);
  await kv.put("k", "new", { expirationTtl: 600 });
  assert.equal(await kv.get("k"), "new");
  assert.equal((await kv.list()).keys[0].expiration, Math.floor(clock.ms / 1000) + 600);
});

test("list pages through 2,500 keys with a cursor, in order, each key once", async () => {
  const { kv } = kvAt();
  const expected = [];
  for (let i = 0; i < 2500; i++) expected.push(`key:${String(i).padStart(5, "0")}`);
  // Insert in a scrambled order so the output order comes from sorting, not insertion.
  for (let i = 0; i < 2500; i++) await kv.put(expected[(i * 7919) % 2500], `v${i}`);

  const first = await kv.list();
  assert.equal(first.keys.length, 1000, "default limit is 1000");
  assert.equal(first.list_complete, false);

  const { names, pages } = await listAll(kv);
  assert.equal(pages, 3);
  assert.deepEqual(names, expected);

  const small = await listAll(kv, { limit: 333 });
  assert.equal(small.pages, Math.ceil(2500 / 333));
  assert.deepEqual(small.names, expected);
});

test("list with exactly limit keys left says complete, with no empty extra page", async () => {
  const { kv } = kvAt();
  for (let i = 0; i < 20; i++) await kv.put(`k${String(i).padStart(2, "0")}`, "v");
  const { pages, names } = await listAll(kv, { limit: 10 });
  assert.equal(pages, 2);
  assert.equal(names.length, 20);
});

test("list filters by prefix, also across pages", async () => {
  const { kv } = kvAt();
  for (let i = 0; i < 50; i++) {
    await kv.put(`a:${i}`, "v");
    await kv.put(`b:${i}`, "v");
    await kv.put(`c:${i}`, "v");
  }
  await kv.put("b", "no colon");
  const { names, pages } = await listAll(kv, { prefix: "b:", limit: 20 });
  assert.equal(pages, 3);
  assert.equal(names.length, 50);
  assert.ok(names.every((n) => n.startsWith("b:")));
  assert.deepEqual((await kv.list({ prefix: "zzz" })).keys, []);
  assert.equal((await kv.list({ prefix: "zzz" })).list_complete, true);
  assert.equal((await kv.list({ prefix: "" })).keys.length, 151);
});

test("a cursor stays valid when keys are added or removed between pages", async () => {
  const { kv } = kvAt();
  for (const n of ["b", "d", "f", "h"]) await kv.put(n, "v");
  const page1 = await kv.list({ limit: 2 });
  assert.deepEqual(
    page1.keys.map((k) => k.name),
    ["b", "d"],
  );
  await kv.delete("d");
  await kv.put("e", "v");
  await kv.put("a", "v"); // before the cursor: not seen again
  const page2 = await kv.list({ limit: 2, cursor: page1.cursor });
  assert.deepEqual(
    page2.keys.map((k) => k.name),
    ["e", "f"],
  );
  const page3 = await kv.list({ limit: 2, cursor: page2.cursor });
  assert.deepEqual(
    page3.keys.map((k) => k.name),
    ["h"],
  );
  assert.equal(page3.list_complete, true);
});

test("list orders keys by UTF-8 bytes, not UTF-16 code units", async () => {
  const { kv } = kvAt();
  // U+FF5E (3 UTF-8 bytes: EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in UTF-8, but after
  // it in UTF-16, where the emoji is the surrogate pair D83D DE00.
  const names = ["\u{1F600}", "\uFF5E", "Z", "a", "é"];
  for (const n of names) await kv.put(n, "v");
  const listed = (await kv.list()).keys.map((k) => k.name);
  assert.deepEqual(listed, ["Z", "a", "é", "\uFF5E", "\u{1F600}"]);
  assert.notDeepEqual(listed, [...names].sort(), "the JS default sort would differ");
});

test("list reports expiration (seconds) and metadata only when set", async () => {
  const { kv, clock } = kvAt();
  await kv.put("both", "v", { expirationTtl: 3600, metadata: { role: "x" } });
  await kv.put("meta", "v", { metadata: { n: 1 } });
  await kv.put("none", "v");
  const { keys } = await kv.list();
  assert.deepEqual(keys, [
    { name: "both", expiration: Math.floor(clock.ms / 1000) + 3600, metadata: { role: "x" } },
    { name: "meta", metadata: { n: 1 } },
    { name: "none" },
  ]);
});

test("list validates its limit", async () => {
  const { kv } = kvAt();
  await assert.rejects(kv.list({ limit: 1001 }), /Invalid key_count_limit of 1001/);
  await assert.rejects(kv.list({ limit: 0 }), /Invalid key_count_limit of 0/);
  await assert.rejects(kv.list({ limit: 2.5 }), /Invalid key_count_limit/);
  await kv.put("a", "v");
  assert.equal((await kv.list({ limit: 1000 })).keys.length, 1);
});

test("entries() yields live entries in key order with value, metadata and expiration", async () => {
  const { kv, clock } = kvAt();
  await kv.put("b", "2", { metadata: { m: true }, expirationTtl: 100 });
  await kv.put("a", "1");
  assert.deepEqual(
    [...kv.entries()],
    [
      { name: "a", value: "1", metadata: undefined, expiration: undefined },
      { name: "b", value: "2", metadata: { m: true }, expiration: Math.floor(clock.ms / 1000) + 100 },
    ],
  );
});

test("now() reports the injected clock and defaults to Date.now", () => {
  const { kv, advance } = kvAt(1_000);
  assert.equal(kv.now(), 1_000);
  advance(5);
  assert.equal(kv.now(), 1_005);
  const real = new MemoryKV();
  const before = Date.now();
  const t = real.now();
  assert.ok(t >= before && t <= Date.now());
});
