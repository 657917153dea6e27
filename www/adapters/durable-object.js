// Workers KV's contract (KVEmulation, www/memory-kv.js: the API, its validation and its errors)
// over Durable Object storage (`state.storage`), so the engine runs unchanged on strongly
// consistent storage, and code that works here also works on KV.
//
// DO storage has no expiry of its own, so this adapter provides it:
// - every value is stored with its expiration (epoch seconds, as KV reports it), and every read
//   re-checks it, so an expired key is never returned, whether or not it was deleted yet;
// - an index key per expiring value (`x:<expiration>:<key>`, zero-padded so that storage order
//   is time order) lets `sweep()` find what has expired without scanning live data;
// - the object's alarm is kept at the earliest pending sweep, so nothing grows without bound.
//   Sweeps are coalesced into slots of `sweepSlotMs`: deletion may lag expiry by up to one
//   slot, which no reader can observe.
//
// Storage layout (the caller's keys never collide with the adapter's own):
//   d:<key>                    {v: text, m: metadata, x: expiration (s)} (m, x undefined if none)
//   x:<12-digit seconds>:<key> 0 (the expiry index)
import { KVEmulation, isExpired } from "../memory-kv.js";

const DATA = "d:";
const EXPIRY = "x:";
const SECONDS_DIGITS = 12;

// DO storage takes at most 128 keys per get/put/delete call; a sweep deletes each value with its
// index key, so it takes half as many values at a time.
const SWEEP_BATCH = 64;

const expiryKey = (expiration, key) => `${EXPIRY}${String(expiration).padStart(SECONDS_DIGITS, "0")}:${key}`;

/** The caller's key of an index key `x:<seconds>:<key>`. */
const keyOfExpiryKey = (indexKey) => indexKey.slice(EXPIRY.length + SECONDS_DIGITS + 1);

export class DurableObjectKV extends KVEmulation {
  #storage;
  #slotMs;
  /** The alarm time as last read or set (ms), null for none, undefined before the first read. */
  /** @type {number | null | undefined} */
  #alarmAt = undefined;

  /**
   * `storage`: a DurableObjectStorage (or anything with its get/put/delete/list/getAlarm/
   * setAlarm/deleteAlarm). `now`: the clock (epoch ms), injectable for tests.
   */
  constructor(storage, { now = Date.now, sweepSlotMs = 15 * 60 * 1000 } = {}) {
    super(now);
    this.#storage = storage;
    this.#slotMs = sweepSlotMs;
  }

  /** A stored `{v, m, x}` as the contract's entry; undefined when absent or expired. */
  #live(stored) {
    const entry = stored ? { value: stored.v, metadata: stored.m, expiration: stored.x } : undefined;
    return entry && !isExpired(entry, this.now()) ? entry : undefined;
  }

  /** @param {string[]} names */
  async load(names) {
    if (names.length === 1) return [this.#live(await this.#storage.get(DATA + names[0]))];
    const found = await this.#storage.get(names.map((name) => DATA + name));
    return names.map((name) => this.#live(found.get(DATA + name)));
  }

  /** @param {string} name @param {import("../memory-kv.js").Entry} entry */
  async store(name, { value, metadata, expiration }) {
    // An overwrite moves the key's expiry: its old index entry must go, or a sweep at the old
    // time would find an index entry for a value that is still live (it re-checks, but the
    // stale index entry would linger).
    const old = await this.#storage.get(DATA + name);
    if (old?.x !== undefined && old.x !== expiration) await this.#storage.delete(expiryKey(old.x, name));
    /** @type {Record<string, unknown>} */
    const writes = { [DATA + name]: { v: value, m: metadata, x: expiration } };
    if (expiration !== undefined) writes[expiryKey(expiration, name)] = 0;
    await this.#storage.put(writes);
    if (expiration !== undefined) await this.#scheduleSweep(expiration * 1000);
  }

  /** @param {string} name */
  async remove(name) {
    const old = await this.#storage.get(DATA + name);
    if (old === undefined) return;
    await this.#storage.delete(old.x === undefined ? [DATA + name] : [DATA + name, expiryKey(old.x, name)]);
  }

  /** @param {string} prefix @param {string | undefined} after @param {number} limit */
  async scan(prefix, after, limit) {
    // `after` is the storage key a page ended with, so an expired key can end a page too.
    const page = await this.#storage.list({
      prefix: DATA + prefix,
      limit,
      ...(after === undefined ? {} : { startAfter: after }),
    });
    /** @type {[string, import("../memory-kv.js").Entry][]} */
    const entries = [];
    for (const [storageKey, stored] of page) {
      const entry = this.#live(stored);
      // Expired, not swept yet: a page may come back short, as on KV.
      if (entry !== undefined) entries.push([storageKey.slice(DATA.length), entry]);
    }
    // A full page may be followed by more; KV also answers "not complete" with a cursor then.
    return { entries, last: page.size === limit ? [...page.keys()].at(-1) : undefined };
  }

  /**
   * Deletes what has expired, at most `limit` keys, and sets the alarm for what remains.
   * The Durable Object's alarm() calls this. Returns the number of values deleted.
   */
  async sweep({ limit = 1000 } = {}) {
    const nowSeconds = Math.floor(this.now() / 1000);
    // Index keys sort by time: everything before "x:<now+1>" has expired (expiration <= now).
    const due = await this.#storage.list({ prefix: EXPIRY, end: expiryKey(nowSeconds + 1, ""), limit });
    const indexKeys = [...due.keys()];
    const names = indexKeys.map(keyOfExpiryKey);
    let deleted = 0;
    for (let i = 0; i < names.length; i += SWEEP_BATCH) {
      const batch = names.slice(i, i + SWEEP_BATCH);
      const entries = await this.#storage.get(batch.map((name) => DATA + name));
      // Re-check each value: only one whose own expiration has passed is deleted.
      const expired = batch.filter((name) => (entries.get(DATA + name)?.x ?? Number.POSITIVE_INFINITY) <= nowSeconds);
      deleted += expired.length;
      await this.#storage.delete([...expired.map((name) => DATA + name), ...indexKeys.slice(i, i + SWEEP_BATCH)]);
    }
    // What is left: more due now (a full batch), or the next expiry, or nothing.
    this.#alarmAt = null;
    if (indexKeys.length === limit) {
      await this.#setAlarm(this.now() + 1000);
    } else {
      const next = await this.#storage.list({ prefix: EXPIRY, limit: 1 });
      const [first] = next.keys();
      if (first !== undefined)
        await this.#scheduleSweep(Number(first.slice(EXPIRY.length, EXPIRY.length + SECONDS_DIGITS)) * 1000);
      else await this.#storage.deleteAlarm();
    }
    return deleted;
  }

  /** Keeps the alarm at or before the sweep slot of `expiresAtMs`. */
  async #scheduleSweep(expiresAtMs) {
    const slot = Math.ceil(expiresAtMs / this.#slotMs) * this.#slotMs;
    if (this.#alarmAt === undefined) this.#alarmAt = await this.#storage.getAlarm();
    const alarmAt = this.#alarmAt ?? null;
    if (alarmAt === null || slot < alarmAt) await this.#setAlarm(slot);
  }

  async #setAlarm(at) {
    this.#alarmAt = at;
    await this.#storage.setAlarm(at);
  }
}
