// Workers KV's contract (KVEmulation) and an in-memory namespace on it (MemoryKV), for Node,
// Deno, browsers and tests; adapters/durable-object.js puts the same contract on Durable Object
// storage. The contract copies the parts of Workers KV's observable behaviour that the token
// service relies on: text values, metadata, expiration in whole seconds, the put validation
// rules, bulk get returning a Map, and list() in UTF-8 byte order with an opaque cursor. Error
// messages follow the ones workerd/Miniflare throw, so code tested here fails the same way on the
// edge. MemoryKV is not eventually consistent: a write is visible at once (which only makes tests
// stricter). This file has no imports: the wasm tests load it alone.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const MAX_KEY_BYTES = 512;
const MAX_METADATA_BYTES = 1024;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const MIN_TTL_SECONDS = 60;
/**
 * Workers KV's most keys in one bulk get (kv-guard.js splits by it; the core's budgets count on
 * it).
 */
export const MAX_BULK_KEYS = 100;
const MAX_LIST_LIMIT = 1000;

// Workers KV orders keys by their UTF-8 bytes. JavaScript's `<` compares UTF-16 code units, which
// disagrees for characters above U+FFFF versus U+E000..U+FFFF; it does agree on strings of code
// units below 256, so a name's bytes as such a string sort (and startsWith) in KV's order.
const byteString = (text) => (/[\u0080-\uffff]/.test(text) ? String.fromCharCode(...encoder.encode(text)) : text);

// Cursor = base64 of the UTF-8 of the key a page ended with (which the backend names). It stays
// valid when keys are added or deleted between pages, as Workers' cursors do, and callers must
// treat it as opaque anyway.
const encodeCursor = (key) => btoa(byteString(key));
function decodeCursor(cursor) {
  try {
    return decoder.decode(Uint8Array.from(atob(cursor), (c) => c.charCodeAt(0)));
  } catch {
    throw new Error("KV LIST failed: 400 Invalid cursor.");
  }
}

function checkedKey(key, op) {
  const name = typeof key === "string" ? key : String(key);
  if (name === "") throw new TypeError("Key name cannot be empty.");
  if (op === "PUT" && (name === "." || name === "..")) throw new TypeError(`"${name}" is not allowed as a key name.`);
  // A key of at most 170 UTF-16 units cannot exceed 512 UTF-8 bytes (3 bytes per unit at most):
  // skip the encoding on the hot path of get.
  const length = name.length * 3 <= MAX_KEY_BYTES ? 0 : encoder.encode(name).length;
  if (length > MAX_KEY_BYTES) {
    throw new Error(`KV ${op} failed: 414 UTF-8 encoded length of ${length} exceeds key length limit of ${MAX_KEY_BYTES}.`);
  }
  return name;
}

function toText(value) {
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return decoder.decode(value);
  throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
}

/** A stored text as get() returns it for `type`. */
function convert(text, type) {
  switch (type) {
    case "text":
      return text;
    case "json":
      return JSON.parse(text);
    case "arrayBuffer":
      return encoder.encode(text).buffer;
    case "stream":
      return new Blob([text]).stream();
    default:
      throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
  }
}

// Workers KV's 400 for an argument it refuses, e.g. `KV PUT failed: 400 Invalid expiration_ttl of 0. ...`.
const invalid = (op, what, value, rule) => new Error(`KV ${op} failed: 400 Invalid ${what} of ${value}. ${rule}`);

/** @param {PutOptions} options @param {number} nowMs @returns {number | undefined} epoch seconds */
function expirationFrom({ expiration, expirationTtl }, nowMs) {
  const nowSeconds = Math.floor(nowMs / 1000);
  if (expirationTtl !== undefined && expirationTtl !== null) {
    const ttl = Math.trunc(Number(expirationTtl));
    if (Number.isNaN(ttl) || ttl <= 0)
      throw invalid("PUT", "expiration_ttl", expirationTtl, "Please specify integer greater than 0.");
    if (ttl < MIN_TTL_SECONDS) {
      throw invalid("PUT", "expiration_ttl", expirationTtl, `Expiration TTL must be at least ${MIN_TTL_SECONDS}.`);
    }
    return nowSeconds + ttl;
  }
  if (expiration === undefined || expiration === null) return undefined;
  const at = Math.trunc(Number(expiration));
  if (Number.isNaN(at) || at <= nowSeconds) {
    const rule = "Please specify integer greater than the current number of seconds since the UNIX epoch.";
    throw invalid("PUT", "expiration", expiration, rule);
  }
  if (at < nowSeconds + MIN_TTL_SECONDS) {
    throw invalid("PUT", "expiration", expiration, `Expiration times must be at least ${MIN_TTL_SECONDS} seconds in the future.`);
  }
  return at;
}

/** Whether `entry` has expired at `nowMs`: from its expiration second on, as on Workers KV. */
export const isExpired = (entry, nowMs) => entry.expiration !== undefined && entry.expiration * 1000 <= nowMs;

/**
 * @typedef {{ expiration?: number | null, expirationTtl?: number | null, metadata?: unknown }} PutOptions
 * @typedef {{ prefix?: string | null, cursor?: string | null, limit?: number | null }} ListOptions
 * @typedef {{ value: string, metadata: unknown, expiration: number | undefined }} Entry
 * @typedef {{ entries: [string, Entry][], last: string | undefined }} Page
 */

/**
 * What a KVEmulation's subclass provides, each method synchronous or not: `load`, the live entries
 * of some names; `store`; `remove`; and `scan`, at most `limit` stored keys under `prefix` (after
 * `after`, a `last` it gave, when given): their live entries, and `last` when more may follow.
 * @typedef {{
 *   load(names: string[]): Promise<(Entry | undefined)[]> | (Entry | undefined)[],
 *   store(name: string, entry: Entry): Promise<void> | void,
 *   remove(name: string): Promise<void> | void,
 *   scan(prefix: string, after: string | undefined, limit: number): Promise<Page> | Page,
 * }} Backend
 */

/** Workers KV's API, arguments checked as Workers KV checks them, over a subclass's Backend. */
export class KVEmulation {
  #clock;
  #backend = /** @type {Backend} */ (/** @type {unknown} */ (this));

  /** @param {() => number} now the clock, epoch milliseconds */
  constructor(now) {
    this.#clock = now;
  }

  /** The clock's time in epoch milliseconds. */
  now() {
    return this.#clock();
  }

  /** A key's value as `type` makes it (null when there is none), or a bulk get's Map of them. */
  async get(keyOrKeys, typeOrOptions) {
    // The second argument is a type name or `{ type }`; text by default.
    const type = (typeof typeOrOptions === "string" ? typeOrOptions : typeOrOptions?.type) ?? "text";
    if (!Array.isArray(keyOrKeys)) {
      const [entry] = await this.#backend.load([checkedKey(keyOrKeys, "GET")]);
      return entry ? convert(entry.value, type) : null;
    }
    if (type !== "text" && type !== "json") throw new TypeError('Bulk get only supports the "text" and "json" types.');
    if (keyOrKeys.length < 1) throw new Error("KV GET_BULK failed: 400 You must request a minimum of 1 key");
    if (keyOrKeys.length > MAX_BULK_KEYS) {
      throw new Error(`KV GET_BULK failed: 400 You can request a maximum of ${MAX_BULK_KEYS} keys`);
    }
    const names = keyOrKeys.map((key) => checkedKey(key, "GET_BULK"));
    const entries = await this.#backend.load(names);
    return new Map(names.map((name, i) => [name, entries[i] ? convert(entries[i].value, type) : null]));
  }

  /** @param {string} key @param {unknown} value @param {PutOptions} [options] */
  async put(key, value, options = {}) {
    const name = checkedKey(key, "PUT");
    const text = toText(value);
    const length = text.length * 3 <= MAX_VALUE_BYTES ? 0 : encoder.encode(text).length;
    if (length > MAX_VALUE_BYTES) {
      throw new Error(`KV PUT failed: 413 Value length of ${length} exceeds limit of ${MAX_VALUE_BYTES}.`);
    }
    const expiration = expirationFrom(options, this.#clock());
    let metadata;
    if (options.metadata !== undefined && options.metadata !== null) {
      const json = JSON.stringify(options.metadata);
      const bytes = encoder.encode(json).length;
      if (bytes > MAX_METADATA_BYTES) {
        throw new Error(`KV PUT failed: 413 Metadata length of ${bytes} exceeds limit of ${MAX_METADATA_BYTES}.`);
      }
      // A copy, so that a later change to the caller's object cannot change the stored one.
      metadata = JSON.parse(json);
    }
    await this.#backend.store(name, { value: text, metadata, expiration });
  }

  async delete(key) {
    await this.#backend.remove(checkedKey(key, "DELETE"));
  }

  /** @param {ListOptions} [options] @returns {Promise<import("./index.js").KVListResult<any>>} */
  async list({ prefix, cursor, limit } = {}) {
    limit ??= MAX_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw invalid("LIST", "key_count_limit", limit, "Please specify an integer greater than 0.");
    }
    if (limit > MAX_LIST_LIMIT) {
      throw invalid("LIST", "key_count_limit", limit, `Please specify an integer less than ${MAX_LIST_LIMIT}.`);
    }
    const { entries, last } = await this.#backend.scan(prefix ?? "", cursor ? decodeCursor(cursor) : undefined, limit);
    const keys = entries.map(([name, { expiration, metadata }]) => {
      /** @type {import("./index.js").KVListKey<any>} */
      const key = { name };
      if (expiration !== undefined) key.expiration = expiration;
      if (metadata !== undefined) key.metadata = metadata;
      return key;
    });
    if (last === undefined) return { keys, list_complete: true, cacheStatus: null };
    return { keys, list_complete: false, cursor: encodeCursor(last), cacheStatus: null };
  }
}

/**
 * An in-memory KV namespace: a Map of entries by their names' byte strings (byteString), whose
 * code units are the names' UTF-8 bytes, so that the native sort and startsWith of those keys
 * are KV's order (names whose UTF-8 is the same, as lone surrogates encode to U+FFFD, are one key).
 */
export class MemoryKV extends KVEmulation {
  /** byte string -> the entry, with the name it was stored under @type {Map<string, Entry & { name: string }>} */
  #entries = new Map();
  /** The byte strings in order, kept in order by store and remove; null until first needed @type {string[] | null} */
  #sorted = null;

  constructor({ now = Date.now } = {}) {
    super(now);
  }

  /** Number of live (unexpired) keys. */
  get size() {
    this.#sweep();
    return this.#entries.size;
  }

  /** Snapshot of the live entries in key order, for tests that scan the store. */
  *entries() {
    this.#sweep();
    // A snapshot, taken at the first next(): the caller may write while it iterates.
    yield* this.#sortedKeys().map((key) => {
      const { name, value, metadata, expiration } = this.#at(key);
      return { name, value, metadata, expiration };
    });
  }

  /** @param {string[]} names */
  load(names) {
    return names.map((name) => {
      const entry = this.#entries.get(byteString(name));
      if (entry === undefined || !isExpired(entry, this.now())) return entry;
      this.remove(name);
      return undefined;
    });
  }

  /** @param {string} name @param {Entry} entry */
  store(name, { value, metadata, expiration }) {
    const key = byteString(name);
    // A new key goes into its place in the sorted keys (a binary search), so that listing a
    // large store between writes does not sort it all again.
    if (this.#sorted !== null && !this.#entries.has(key)) this.#sorted.splice(this.#lowerBound(key), 0, key);
    this.#entries.set(key, { name, value, metadata, expiration });
  }

  /** @param {string} name */
  remove(name) {
    const key = byteString(name);
    if (this.#entries.delete(key) && this.#sorted !== null) this.#sorted.splice(this.#lowerBound(key), 1);
  }

  /** @param {string} prefix @param {string | undefined} after @param {number} limit */
  scan(prefix, after, limit) {
    this.#sweep();
    const keys = this.#sortedKeys();
    const start = byteString(prefix);
    // Keys sharing a prefix are contiguous in byte order: start at the first one, or just after
    // `after` when that is further on, and stop at the first key without the prefix.
    let i = this.#lowerBound(start);
    if (after !== undefined) i = Math.max(i, this.#lowerBound(byteString(after), true));
    const inPrefix = (at) => at < keys.length && keys[at].startsWith(start);
    /** @type {[string, Entry][]} */
    const entries = [];
    for (; entries.length < limit && inPrefix(i); i++) entries.push([this.#at(keys[i]).name, this.#at(keys[i])]);
    return { entries, last: inPrefix(i) ? this.#at(keys[i - 1]).name : undefined };
  }

  #sweep() {
    const [before, now] = [this.#entries.size, this.now()];
    for (const [key, entry] of this.#entries) if (isExpired(entry, now)) this.#entries.delete(key);
    if (this.#entries.size < before && this.#sorted !== null) this.#sorted = this.#sorted.filter((key) => this.#entries.has(key));
  }

  /** The entry of a key known to be stored. */
  #at(key) {
    return /** @type {Entry & { name: string }} */ (this.#entries.get(key));
  }

  #sortedKeys() {
    this.#sorted ??= [...this.#entries.keys()].sort();
    return this.#sorted;
  }

  /** Index of the first sorted key that is >= `key` (> `key` when `strict`). */
  #lowerBound(key, strict = false) {
    const keys = /** @type {string[]} */ (this.#sorted);
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key || (strict && keys[mid] === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
