// A Workers-KV-shaped namespace over Durable Object storage (`state.storage`), so the engine
// runs unchanged on strongly consistent storage: the same get (bulk get of an array → Map),
// put (expirationTtl/expiration, metadata), delete and list({prefix, cursor, limit}) as Workers
// KV, with KV's validation rules, so code that works here also works on KV.
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
//   d:<key>                    {v: text, m?: metadata, x?: expiration (s)}
//   x:<12-digit seconds>:<key> 0 (the expiry index)

import {
  MAX_BULK_KEYS,
  MAX_KEY_BYTES,
  MAX_LIST_LIMIT,
  MAX_METADATA_BYTES,
  MIN_TTL_SECONDS,
  convert,
  readType,
} from "../memory-kv.js";

const DATA = "d:";
const EXPIRY = "x:";
const SECONDS_DIGITS = 12;

// DO storage takes at most 128 keys per get/put/delete call.
const STORAGE_BATCH = 128;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function validateKey(key) {
  const name = typeof key === "string" ? key : String(key);
  if (name === "") throw new TypeError("Key name cannot be empty.");
  const bytes = encoder.encode(name).length;
  if (bytes > MAX_KEY_BYTES) {
    throw new Error(`KV failed: 414 UTF-8 encoded length of ${bytes} exceeds key length limit of ${MAX_KEY_BYTES}.`);
  }
  return name;
}

function toText(value) {
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return decoder.decode(value);
  throw new TypeError("KV put() accepts only strings, ArrayBuffers and ArrayBufferViews as values here.");
}

const expiryKey = (expiration, key) => `${EXPIRY}${String(expiration).padStart(SECONDS_DIGITS, "0")}:${key}`;

/** The caller's key of an index key `x:<seconds>:<key>`. */
const keyOfExpiryKey = (indexKey) => indexKey.slice(EXPIRY.length + SECONDS_DIGITS + 1);

// Cursor = base64 of the last storage key returned, as MemoryKV: stable across writes.
const encodeCursor = (key) => btoa(String.fromCharCode(...encoder.encode(key)));
function decodeCursor(cursor) {
  try {
    return decoder.decode(Uint8Array.from(atob(cursor), (c) => c.charCodeAt(0)));
  } catch {
    throw new Error("KV LIST failed: 400 Invalid cursor.");
  }
}

export class DurableObjectKV {
  #storage;
  #clock;
  #slotMs;
  /** The alarm time as last read or set (ms), null for none, undefined before the first read. */
  /** @type {number | null | undefined} */
  #alarmAt = undefined;

  /**
   * `storage`: a DurableObjectStorage (or anything with its get/put/delete/list/getAlarm/
   * setAlarm/deleteAlarm). `now`: the clock (epoch ms), injectable for tests.
   */
  constructor(storage, { now = Date.now, sweepSlotMs = 15 * 60 * 1000 } = {}) {
    this.#storage = storage;
    this.#clock = now;
    this.#slotMs = sweepSlotMs;
  }

  now() {
    return this.#clock();
  }

  #live(entry) {
    if (entry === undefined || entry === null) return undefined;
    return entry.x !== undefined && entry.x * 1000 <= this.#clock() ? undefined : entry;
  }

  async get(keyOrKeys, typeOrOptions) {
    const type = readType(typeOrOptions);
    if (Array.isArray(keyOrKeys)) {
      return this.#bulk(keyOrKeys, type, (entry) => (entry ? convert(entry.v, type) : null));
    }
    const entry = this.#live(await this.#storage.get(DATA + validateKey(keyOrKeys)));
    return entry ? convert(entry.v, type) : null;
  }

  async #bulk(keys, type, shape) {
    if (type !== "text" && type !== "json") throw new TypeError('Bulk get only supports the "text" and "json" types.');
    if (keys.length < 1) throw new Error("KV GET_BULK failed: 400 You must request a minimum of 1 key");
    if (keys.length > MAX_BULK_KEYS)
      throw new Error(`KV GET_BULK failed: 400 You can request a maximum of ${MAX_BULK_KEYS} keys`);
    const names = keys.map(validateKey);
    const found = await this.#storage.get(names.map((name) => DATA + name));
    return new Map(names.map((name) => [name, shape(this.#live(found.get(DATA + name)))]));
  }

  /** @param {string} key @param {unknown} value @param {import("../memory-kv.js").PutOptions} [options] */
  async put(key, value, options = {}) {
    const name = validateKey(key);
    /** @type {{ v: string, x?: number, m?: unknown }} */
    const entry = { v: toText(value) };
    const expiration = this.#expirationFrom(options);
    if (expiration !== undefined) entry.x = expiration;
    if (options.metadata !== undefined && options.metadata !== null) {
      const json = JSON.stringify(options.metadata);
      const length = encoder.encode(json).length;
      if (length > MAX_METADATA_BYTES) {
        throw new Error(`KV PUT failed: 413 Metadata length of ${length} exceeds limit of ${MAX_METADATA_BYTES}.`);
      }
      entry.m = JSON.parse(json);
    }
    // An overwrite moves the key's expiry: its old index entry must go, or a sweep at the old
    // time would find an index entry for a value that is still live (it re-checks, but the
    // stale index entry would linger).
    const old = await this.#storage.get(DATA + name);
    if (old?.x !== undefined && old.x !== expiration) await this.#storage.delete(expiryKey(old.x, name));
    /** @type {Record<string, unknown>} */
    const writes = { [DATA + name]: entry };
    if (expiration !== undefined) writes[expiryKey(expiration, name)] = 0;
    await this.#storage.put(writes);
    if (expiration !== undefined) await this.#scheduleSweep(expiration * 1000);
  }

  async delete(key) {
    const name = validateKey(key);
    const old = await this.#storage.get(DATA + name);
    if (old === undefined) return;
    const keys = [DATA + name];
    if (old.x !== undefined) keys.push(expiryKey(old.x, name));
    await this.#storage.delete(keys);
  }

  /** @param {import("../memory-kv.js").ListOptions} [options] */
  async list({ prefix = "", cursor, limit } = {}) {
    if (limit === undefined || limit === null) limit = MAX_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new Error(
        `KV LIST failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer between 1 and ${MAX_LIST_LIMIT}.`,
      );
    }
    const options = { prefix: DATA + (prefix ?? ""), limit };
    if (cursor) options.startAfter = decodeCursor(cursor);
    const page = await this.#storage.list(options);
    const keys = [];
    let last = null;
    for (const [storageKey, stored] of page) {
      last = storageKey;
      const entry = this.#live(stored);
      if (entry === undefined) continue; // expired, not swept yet: a page may come back short, as on KV
      const key = { name: storageKey.slice(DATA.length) };
      if (entry.x !== undefined) key.expiration = entry.x;
      if (entry.m !== undefined) key.metadata = entry.m;
      keys.push(key);
    }
    // A full page may be followed by more; KV also answers "not complete" with a cursor then.
    if (page.size === limit && last !== null) {
      return { keys, list_complete: false, cursor: encodeCursor(last), cacheStatus: null };
    }
    return { keys, list_complete: true, cacheStatus: null };
  }

  /**
   * Deletes what has expired, at most `limit` keys, and sets the alarm for what remains.
   * The Durable Object's alarm() calls this. Returns the number of values deleted.
   */
  async sweep({ limit = 1000 } = {}) {
    const nowSeconds = Math.floor(this.#clock() / 1000);
    // Index keys sort by time: everything before "x:<now+1>" has expired (expiration <= now).
    const due = await this.#storage.list({ prefix: EXPIRY, end: expiryKey(nowSeconds + 1, ""), limit });
    const indexKeys = [...due.keys()];
    const names = indexKeys.map(keyOfExpiryKey);
    let deleted = 0;
    for (let i = 0; i < names.length; i += STORAGE_BATCH) {
      const batch = names.slice(i, i + STORAGE_BATCH);
      const entries = await this.#storage.get(batch.map((name) => DATA + name));
      // Re-check each value: only one whose own expiration has passed is deleted.
      const expired = batch.filter((name) => {
        const entry = entries.get(DATA + name);
        return entry !== undefined && entry.x !== undefined && entry.x <= nowSeconds;
      });
      deleted += expired.length;
      await this.#storage.delete([...expired.map((name) => DATA + name), ...indexKeys.slice(i, i + STORAGE_BATCH)]);
    }
    // What is left: more due now (a full batch), or the next expiry, or nothing.
    this.#alarmAt = null;
    if (indexKeys.length === limit) {
      await this.#setAlarm(this.#clock() + 1000);
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

  /** @param {import("../memory-kv.js").PutOptions} options */
  #expirationFrom({ expiration, expirationTtl }) {
    const nowSeconds = Math.floor(this.#clock() / 1000);
    if (expirationTtl !== undefined && expirationTtl !== null) {
      const ttl = Math.trunc(Number(expirationTtl));
      if (Number.isNaN(ttl) || ttl < MIN_TTL_SECONDS) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${MIN_TTL_SECONDS}.`,
        );
      }
      return nowSeconds + ttl;
    }
    if (expiration !== undefined && expiration !== null) {
      const at = Math.trunc(Number(expiration));
      if (Number.isNaN(at) || at < nowSeconds + MIN_TTL_SECONDS) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration of ${expiration}. Expiration times must be at least ${MIN_TTL_SECONDS} seconds in the future.`,
        );
      }
      return at;
    }
    return undefined;
  }
}
