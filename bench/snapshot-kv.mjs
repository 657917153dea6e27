// A read-mostly KV binding over a snapshot of a store's entries, as cheap as a binding can be
// (a Map for reads, a sorted array and index cursors for list), so that timing a bulk
// invalidation on it measures the engine's own CPU rather than the store's. Writes land in an
// overlay that reset() discards, so every timed run sees the same data.
export class SnapshotKV {
  #values = new Map();
  #listed = [];
  #overlay = new Map();
  #now;

  constructor(entries, now) {
    for (const { name, value, metadata, expiration } of entries) {
      this.#values.set(name, value);
      const key = { name };
      if (expiration !== undefined) key.expiration = expiration;
      if (metadata !== undefined) key.metadata = metadata;
      this.#listed.push(key);
    }
    this.#now = now;
  }

  now() {
    return this.#now;
  }

  reset() {
    this.#overlay.clear();
  }

  #read(name) {
    return this.#overlay.has(name) ? this.#overlay.get(name) : (this.#values.get(name) ?? null);
  }

  async get(key) {
    return Array.isArray(key) ? new Map(key.map((k) => [k, this.#read(k)])) : this.#read(key);
  }

  async put(key, value) {
    this.#overlay.set(key, value);
  }

  async delete(key) {
    this.#overlay.set(key, null);
  }

  async list({ prefix = "", cursor, limit = 1000 } = {}) {
    let i = cursor ? Number(cursor) : this.#firstAtOrAfter(prefix);
    const keys = [];
    for (; i < this.#listed.length && keys.length < limit && this.#listed[i].name.startsWith(prefix); i++)
      keys.push(this.#listed[i]);
    const more = i < this.#listed.length && this.#listed[i].name.startsWith(prefix);
    return more
      ? { keys, list_complete: false, cursor: String(i), cacheStatus: null }
      : { keys, list_complete: true, cacheStatus: null };
  }

  // Engine keys are ASCII, where string order is KV's byte order.
  #firstAtOrAfter(prefix) {
    let lo = 0;
    let hi = this.#listed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#listed[mid].name < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
