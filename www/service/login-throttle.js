// Throttling of password guessing, per username, for both ways a password is checked (Basic
// auth and the password grant). Elasticsearch has no such throttle; this service runs on the
// open internet, so it adds one that stays invisible on the wire:
//
//   - after `threshold` consecutive failures, each further failure locks the username for a
//     back-off that doubles from `baseMs` up to `maxMs`;
//   - while locked, an attempt is refused with the ordinary failed-login 401 *without* checking
//     the password (the right password is refused too: that is what stops the guessing);
//   - a successful login resets the count, and failures further apart than `windowMs` start
//     over, so a lock always ends by itself: the real user is never locked out for good.
//
// State lives in the same KV as everything else, under the key the core names for the username
// (`api.loginPlan(username).throttle_key`), with a TTL of `windowMs`. Workers KV takes at most
// one write per second per key and is eventually consistent (up to 60 s between locations), so
// each handler also keeps the state it knows in memory: writes to one key are coalesced to one
// per `writeIntervalMs` (a pending change is written by the next attempt after that), and of
// the KV copy and the memory copy the one changed last wins. A KV that fails is not allowed to
// block logins: the throttle then works from memory only (the password check still protects
// the account).

export const THROTTLE_DEFAULTS = Object.freeze({
  threshold: 5,
  baseMs: 1000,
  maxMs: 5 * 60 * 1000,
  windowMs: 15 * 60 * 1000,
  writeIntervalMs: 1000,
  // Usernames whose state one handler keeps in memory; the oldest are forgotten first.
  cacheSize: 10_000,
});

const CLEAN = Object.freeze({ failures: 0, until: 0, at: 0 });

/** A stored state, or null for none or one that does not parse (then it is ignored). */
function parseState(text) {
  if (typeof text !== "string") return null;
  try {
    const s = JSON.parse(text);
    return [s?.failures, s?.until, s?.at].every(Number.isFinite) ? { failures: s.failures, until: s.until, at: s.at } : null;
  } catch {
    return null;
  }
}

/**
 * `createLoginThrottle(kv, {now})`: `kv` is the store (get/put), `now()` the clock in epoch ms.
 * `begin(key)` → `{locked, succeeded(), failed()}` for the username whose throttle key is `key`;
 * none of them ever throws.
 */
export function createLoginThrottle(kv, { now = Date.now, ...overrides } = {}) {
  const limits = { ...THROTTLE_DEFAULTS, ...overrides };
  const ttlSeconds = Math.max(60, Math.ceil(limits.windowMs / 1000));
  // key → {state, dirty, writtenAt}: what this handler knows, and whether KV still lacks it.
  const memory = new Map();

  function remember(key, entry) {
    memory.delete(key); // re-inserted last: Map order is then least recently used first
    memory.set(key, entry);
    if (memory.size > limits.cacheSize) memory.delete(memory.keys().next().value);
    return entry;
  }

  /** The current state for `key`: the newer of memory and KV, with old failures forgotten. */
  async function load(key, t) {
    let stored = null;
    try {
      stored = parseState(await kv.get(key));
    } catch {
      // Unreadable store: go on with what memory knows.
    }
    const known = memory.get(key);
    let entry = known;
    if (known === undefined || (stored !== null && stored.at > known.state.at)) {
      entry = remember(key, { state: stored ?? CLEAN, dirty: false, writtenAt: known?.writtenAt ?? -Infinity });
    }
    if (entry.state.failures > 0 && t - entry.state.at > limits.windowMs) entry.state = { ...CLEAN, at: entry.state.at };
    return entry;
  }

  /** Writes a pending change unless this key was written less than writeIntervalMs ago. */
  async function flush(key, entry, t) {
    if (!entry.dirty || t - entry.writtenAt < limits.writeIntervalMs) return;
    entry.writtenAt = t;
    try {
      await kv.put(key, JSON.stringify(entry.state), { expirationTtl: ttlSeconds });
      entry.dirty = false;
    } catch {
      // A 429 (another location wrote this key) or a failing store: stay dirty, retry later.
    }
  }

  function lockFor(failures) {
    const over = failures - limits.threshold;
    if (over < 0) return 0;
    return Math.min(limits.baseMs * 2 ** Math.min(over, 40), limits.maxMs);
  }

  async function begin(key) {
    const entry = await load(key, now());
    const locked = entry.state.until > now();
    // A locked attempt changes nothing, but it may carry a coalesced write.
    if (locked) await flush(key, entry, now());

    async function change(state) {
      entry.state = state;
      entry.dirty = true;
      remember(key, entry);
      await flush(key, entry, state.at);
    }
    return {
      locked,
      async succeeded() {
        // Nothing to write for the usual case, a login without earlier failures.
        if (entry.state.failures > 0 || entry.state.until > 0) await change({ ...CLEAN, at: now() });
        else await flush(key, entry, now());
      },
      async failed() {
        const t = now();
        const failures = entry.state.failures + 1;
        const lock = lockFor(failures);
        await change({ failures, until: lock > 0 ? t + lock : 0, at: t });
      },
    };
  }

  return { begin };
}
