// A stand-in for a Durable Object's storage (get, put, delete, list with prefix/start/startAfter/
// end/limit, the alarm), a Map and a sorted key array, for timing what runs inside the object
// (www/adapters/durable-object.js and the engine) without workerd. SQLite's own cost is not in it.
export class DurableObjectStorageStub {
  #map = new Map();
  #sorted = null;
  #alarm = null;

  async get(keys) {
    if (!Array.isArray(keys)) return this.#map.get(keys);
    return new Map(keys.filter((k) => this.#map.has(k)).map((k) => [k, this.#map.get(k)]));
  }

  async put(entries) {
    for (const [key, value] of Object.entries(entries)) {
      if (!this.#map.has(key)) this.#sorted = null;
      this.#map.set(key, value);
    }
  }

  async delete(keys) {
    let deleted = 0;
    for (const key of [keys].flat()) if (this.#map.delete(key)) deleted++;
    if (deleted > 0) this.#sorted = null;
    return deleted;
  }

  async list({ prefix = "", start, startAfter, end, limit = Number.POSITIVE_INFINITY } = {}) {
    this.#sorted ??= [...this.#map.keys()].sort();
    const from = startAfter ?? start ?? prefix;
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#sorted[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    const out = new Map();
    for (let i = lo; i < this.#sorted.length && out.size < limit; i++) {
      const key = this.#sorted[i];
      if (key === startAfter) continue;
      if (!key.startsWith(prefix) || (end !== undefined && key >= end)) break;
      out.set(key, this.#map.get(key));
    }
    return out;
  }

  async getAlarm() {
    return this.#alarm;
  }

  async setAlarm(at) {
    this.#alarm = at;
  }

  async deleteAlarm() {
    this.#alarm = null;
  }
}
