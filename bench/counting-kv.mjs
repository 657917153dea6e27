// A KV binding that forwards to another and counts operations the way Workers bills and
// limits them per invocation: one get, one bulk get (an array of up to 100 keys), one put, one
// delete, one list page each count as one operation.
export function countingKv(inner) {
  const counts = { get: 0, bulk_get: 0, put: 0, delete: 0, list: 0 };
  const kv = {
    // The API takes its default clock from the binding: keep the inner one's.
    now: typeof inner.now === "function" ? () => inner.now() : undefined,
    get(key, type) {
      counts[Array.isArray(key) ? "bulk_get" : "get"]++;
      return inner.get(key, type);
    },
    put(key, value, options) {
      counts.put++;
      return inner.put(key, value, options);
    },
    delete(key) {
      counts.delete++;
      return inner.delete(key);
    },
    list(options) {
      counts.list++;
      return inner.list(options);
    },
  };
  return {
    kv,
    counts,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(counts)) counts[k] = 0;
    },
    /** "5 (get 1, bulk 1, put 3)": the total and its non-zero kinds. */
    describe() {
      const parts = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k.replace("bulk_get", "bulk")} ${n}`);
      return `${this.total()} (${parts.join(", ")})`;
    },
  };
}
