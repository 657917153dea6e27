// MemoryKV keeps its names sorted across puts, deletes and expiry instead of sorting again
// before each list: after a random mix of operations, listing must equal a fresh sort of the
// live keys in UTF-8 byte order (including characters above U+FFFF).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";

const encoder = new TextEncoder();
const byteOrder = (a, b) => Buffer.compare(Buffer.from(encoder.encode(a)), Buffer.from(encoder.encode(b)));

async function listAll(kv, prefix) {
  const names = [];
  let cursor;
  do {
    const page = await kv.list({ prefix, cursor, limit: 7 });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return names;
}

// Two alphabets: one where UTF-16 and UTF-8 orders agree, one where they differ (a surrogate
// pair sorts before U+FFFF in UTF-16, after it in UTF-8).
for (const alphabet of [
  ["a", "b", "z", "é", ":"],
  ["a", "b", "z", "é", "\u{10000}", "\uffff", ":"],
]) {
  test(`list order stays exact through random puts, deletes, expiry and lists (${alphabet.join(" ")})`, async () => {
    let clock = 1_000_000;
    const kv = new MemoryKV({ now: () => clock });
    const live = new Map(); // name -> expiry (ms) or Infinity
    let seed = 42;
    const random = (n) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const name = () => Array.from({ length: 1 + random(3) }, () => alphabet[random(alphabet.length)]).join("");
    for (let step = 0; step < 2_000; step++) {
      const op = random(10);
      if (op < 5) {
        const key = name();
        const ttl = random(2) ? 60 + random(120) : undefined;
        await kv.put(key, "v", ttl ? { expirationTtl: ttl } : {});
        live.set(key, ttl ? (Math.floor(clock / 1000) + ttl) * 1000 : Infinity);
      } else if (op < 7) {
        const key = name();
        await kv.delete(key);
        live.delete(key);
      } else if (op < 8) {
        clock += 30_000;
      } else {
        const prefix = random(2) ? "" : alphabet[random(alphabet.length)];
        const expected = [...live]
          .filter(([k, at]) => at > clock && k.startsWith(prefix))
          .map(([k]) => k)
          .sort(byteOrder);
        assert.deepEqual(await listAll(kv, prefix), expected, `step ${step}, prefix ${JSON.stringify(prefix)}`);
      }
    }
  });
}

test("the first listing of a filled store sorts by UTF-8 bytes, not UTF-16 units", async () => {
  const kv = new MemoryKV();
  for (const key of ["\u{10000}", "b", "\uffff", "a", "\ue000"]) await kv.put(key, "v");
  const { keys } = await kv.list();
  assert.deepEqual(
    keys.map((k) => k.name),
    ["a", "b", "\ue000", "\uffff", "\u{10000}"],
  );
});
