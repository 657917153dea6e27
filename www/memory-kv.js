// An in-memory stand-in for a Cloudflare Workers KV namespace binding, for Node, Deno, browsers
// and tests. It copies the parts of Workers KV's observable behaviour that the token service
// relies on: text values, metadata, expiration in whole seconds, the put validation rules, bulk
// get returning a Map, and list() in UTF-8 byte order with an opaque cursor. Error messages
// follow the ones workerd/Miniflare throw, so code tested here fails the same way on the edge.
// It is not eventually consistent: a write is visible at once (which only makes tests stricter).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Workers KV's limits, shared with the Durable Object adapter (which imports them, and
// readType/convert, from here: this file must stay free of imports, as wasm tests load it alone).
export const MAX_KEY_BYTES = 512;
export const MAX_METADATA_BYTES = 1024;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
export const MIN_TTL_SECONDS = 60;
export const MAX_BULK_KEYS = 100;
export const MAX_LIST_LIMIT = 1000;

// Workers KV orders keys by their UTF-8 bytes. JavaScript's `<` compares UTF-16 code units,
// which disagrees for characters above U+FFFF versus U+E000..U+FFFF, so compare bytes.
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

function startsWithBytes(bytes, prefix) {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}

// Cursor = base64 of the last key returned. It stays valid when keys are added or deleted
// between pages, as Workers' cursors do, and callers must treat it as opaque anyway.
function encodeCursor(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function decodeCursor(cursor) {
  let binary;
  try {
    binary = atob(cursor);
  } catch {
    throw new Error(`KV LIST failed: 400 Invalid cursor.`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function validateKey(key, op) {
  if (typeof key !== "string") key = String(key);
  if (key === "") throw new TypeError("Key name cannot be empty.");
  if (op === "PUT" && (key === "." || key === "..")) {
    throw new TypeError(`"${key}" is not allowed as a key name.`);
  }
  // A read needs no bytes, and a key of at most 170 UTF-16 units cannot exceed 512 UTF-8 bytes
  // (3 bytes per unit at most): skip the encoding on the hot path of get.
  if (op !== "PUT" && key.length * 3 <= MAX_KEY_BYTES) return { key, bytes: undefined };
  const bytes = encoder.encode(key);
  if (bytes.length > MAX_KEY_BYTES) {
    throw new Error(`KV ${op} failed: 414 UTF-8 encoded length of ${bytes.length} exceeds key length limit of ${MAX_KEY_BYTES}.`);
  }
  return { key, bytes };
}

function toText(value) {
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer) return decoder.decode(value);
  if (ArrayBuffer.isView(value)) return decoder.decode(value);
  throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
}

/** get()'s second argument: a type name or `{ type }`; text by default. */
export function readType(typeOrOptions) {
  const type = typeof typeOrOptions === "string" ? typeOrOptions : typeOrOptions?.type;
  return type ?? "text";
}

/** A stored text as get() returns it for `type`. */
export function convert(text, type = "text") {
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

/**
 * @typedef {{ expiration?: number | null, expirationTtl?: number | null, metadata?: unknown }} PutOptions
 * @typedef {{ prefix?: string | null, cursor?: string | null, limit?: number | null }} ListOptions
 * @typedef {{ bytes: Uint8Array, value: string, metadata: unknown, expiration: number | undefined }} Entry
 */

export class MemoryKV {
  /** name -> entry (expiration in epoch seconds or undefined) @type {Map<string, Entry>} */
  #entries = new Map();
  /** names in UTF-8 byte order, kept in order by put and delete; null until first needed @type {string[] | null} */
  #sorted = null;
  #clock;

  constructor({ now = Date.now } = {}) {
    this.#clock = now;
  }

  /** The injected clock's time in epoch milliseconds. */
  now() {
    return this.#clock();
  }

  /** Number of live (unexpired) keys. */
  get size() {
    this.#sweep();
    return this.#entries.size;
  }

  /** Snapshot of the live entries in key order, for tests that scan the store. */
  *entries() {
    this.#sweep();
    const snapshot = this.#sortedNames().map((name) => {
      const { value, metadata, expiration } = this.#at(name);
      return { name, value, metadata, expiration };
    });
    yield* snapshot;
  }

  async get(keyOrKeys, typeOrOptions) {
    const type = readType(typeOrOptions);
    if (Array.isArray(keyOrKeys)) {
      return this.#bulk(keyOrKeys, type, (entry) => (entry ? convert(entry.value, type) : null));
    }
    const entry = this.#live(validateKey(keyOrKeys, "GET").key);
    return entry ? convert(entry.value, type) : null;
  }

  /**
   * @overload
   * @param {string} keyOrKeys
   * @param {any} [typeOrOptions]
   * @returns {Promise<{ value: any, metadata: any }>}
   */
  /**
   * @overload
   * @param {string[]} keyOrKeys
   * @param {any} [typeOrOptions]
   * @returns {Promise<Map<string, { value: any, metadata: any } | null>>}
   */
  /**
   * @param {string | string[]} keyOrKeys
   * @param {any} [typeOrOptions]
   * @returns {Promise<any>}
   */
  async getWithMetadata(keyOrKeys, typeOrOptions) {
    const type = readType(typeOrOptions);
    const withMetadata = (entry) =>
      entry ? { value: convert(entry.value, type), metadata: entry.metadata ?? null } : { value: null, metadata: null };
    if (Array.isArray(keyOrKeys)) {
      return this.#bulk(keyOrKeys, type, (entry) => (entry ? withMetadata(entry) : null));
    }
    return withMetadata(this.#live(validateKey(keyOrKeys, "GET").key));
  }

  /** @param {string} key @param {unknown} value @param {PutOptions} [options] */
  async put(key, value, options = {}) {
    const checked = validateKey(key, "PUT");
    const text = toText(value);
    const valueBytes = encoder.encode(text).length;
    if (valueBytes > MAX_VALUE_BYTES) {
      throw new Error(`KV PUT failed: 413 Value length of ${valueBytes} exceeds limit of ${MAX_VALUE_BYTES}.`);
    }
    const expiration = this.#expirationFrom(options);
    let metadata;
    if (options.metadata !== undefined && options.metadata !== null) {
      const json = JSON.stringify(options.metadata);
      const length = encoder.encode(json).length;
      if (length > MAX_METADATA_BYTES) {
        throw new Error(`KV PUT failed: 413 Metadata length of ${length} exceeds limit of ${MAX_METADATA_BYTES}.`);
      }
      // Store a copy so later mutation of the caller's object cannot change the stored one.
      metadata = JSON.parse(json);
    }
    // A new key goes into its place in the sorted names (a binary search), so that listing a
    // large store between writes does not sort it all again.
    if (!this.#entries.has(checked.key) && this.#sorted !== null) {
      this.#sorted.splice(this.#lowerBound(this.#sorted, /** @type {Uint8Array} */ (checked.bytes), false), 0, checked.key);
    }
    // A PUT's key always has its bytes (validateKey encodes every PUT key).
    const bytes = /** @type {Uint8Array} */ (checked.bytes);
    this.#entries.set(checked.key, { bytes, value: text, metadata, expiration });
  }

  async delete(key) {
    const { key: name } = validateKey(key, "DELETE");
    this.#remove(name);
  }

  /** @param {ListOptions} [options] @returns {Promise<import("./index.js").KVListResult<any>>} */
  async list({ prefix = "", cursor, limit } = {}) {
    if (limit === undefined || limit === null) limit = MAX_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`KV LIST failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer greater than 0.`);
    }
    if (limit > MAX_LIST_LIMIT) {
      throw new Error(
        `KV LIST failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer less than ${MAX_LIST_LIMIT}.`,
      );
    }
    this.#sweep();
    const names = this.#sortedNames();
    const prefixBytes = encoder.encode(prefix ?? "");
    // Keys sharing a prefix are contiguous in byte order: start at the first one, or just after
    // the cursor's key when that is further on, and stop at the first key without the prefix.
    let i = this.#lowerBound(names, prefixBytes, false);
    if (cursor) i = Math.max(i, this.#lowerBound(names, decodeCursor(cursor), true));

    const keys = [];
    let last = null;
    for (; i < names.length && keys.length < limit; i++) {
      const entry = this.#at(names[i]);
      if (!startsWithBytes(entry.bytes, prefixBytes)) break;
      const key = { name: names[i] };
      if (entry.expiration !== undefined) key.expiration = entry.expiration;
      if (entry.metadata !== undefined) key.metadata = entry.metadata;
      keys.push(key);
      last = entry.bytes;
    }
    const more = i < names.length && startsWithBytes(this.#at(names[i]).bytes, prefixBytes);
    if (more && last !== null) {
      return { keys, list_complete: false, cursor: encodeCursor(last), cacheStatus: null };
    }
    return { keys, list_complete: true, cacheStatus: null };
  }

  #bulk(keys, type, shape) {
    if (type !== "text" && type !== "json") {
      throw new TypeError('Bulk get only supports the "text" and "json" types.');
    }
    if (keys.length < 1) {
      throw new Error("KV GET_BULK failed: 400 You must request a minimum of 1 key");
    }
    if (keys.length > MAX_BULK_KEYS) {
      throw new Error(`KV GET_BULK failed: 400 You can request a maximum of ${MAX_BULK_KEYS} keys`);
    }
    const result = new Map();
    for (const key of keys) {
      const { key: name } = validateKey(key, "GET_BULK");
      result.set(name, shape(this.#live(name)));
    }
    return result;
  }

  /** @param {PutOptions} options */
  #expirationFrom({ expiration, expirationTtl }) {
    const nowSeconds = Math.floor(this.#clock() / 1000);
    if (expirationTtl !== undefined && expirationTtl !== null) {
      const ttl = Math.trunc(Number(expirationTtl));
      if (Number.isNaN(ttl) || ttl <= 0) {
        throw new Error(`KV PUT failed: 400 Invalid expiration_ttl of ${expirationTtl}. Please specify integer greater than 0.`);
      }
      if (ttl < MIN_TTL_SECONDS) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${MIN_TTL_SECONDS}.`,
        );
      }
      return nowSeconds + ttl;
    }
    if (expiration !== undefined && expiration !== null) {
      const at = Math.trunc(Number(expiration));
      if (Number.isNaN(at) || at <= nowSeconds) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
        );
      }
      if (at < nowSeconds + MIN_TTL_SECONDS) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration of ${expiration}. Expiration times must be at least ${MIN_TTL_SECONDS} seconds in the future.`,
        );
      }
      return at;
    }
    return undefined;
  }

  #isExpired(entry) {
    return entry.expiration !== undefined && entry.expiration * 1000 <= this.#clock();
  }

  /** The entry if present and unexpired; an expired one is removed on the way. */
  #live(name) {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (this.#isExpired(entry)) {
      this.#remove(name);
      return undefined;
    }
    return entry;
  }

  #sweep() {
    let removed = false;
    for (const [name, entry] of this.#entries) {
      if (this.#isExpired(entry)) {
        this.#entries.delete(name);
        removed = true;
      }
    }
    if (removed && this.#sorted !== null) this.#sorted = this.#sorted.filter((name) => this.#entries.has(name));
  }

  /** Deletes `name` and takes it out of the sorted names. */
  #remove(name) {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    if (this.#sorted !== null) this.#sorted.splice(this.#lowerBound(this.#sorted, entry.bytes, false), 1);
    this.#entries.delete(name);
  }

  /** The entry of a name known to be stored. */
  #at(name) {
    return /** @type {Entry} */ (this.#entries.get(name));
  }

  #sortedNames() {
    if (this.#sorted === null) {
      const names = [...this.#entries.keys()];
      // UTF-16 code-unit order (the native sort) equals UTF-8 byte order unless a name holds a
      // code unit from U+D800 up; only then compare bytes (much slower on large stores).
      if (names.some((name) => /[\uD800-\uFFFF]/.test(name))) {
        names.sort((a, b) => compareBytes(this.#at(a).bytes, this.#at(b).bytes));
      } else {
        names.sort();
      }
      this.#sorted = names;
    }
    return this.#sorted;
  }

  /** Index of the first name whose bytes are >= target (or > target when `strict`). */
  #lowerBound(names, target, strict) {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareBytes(this.#at(names[mid]).bytes, target);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
