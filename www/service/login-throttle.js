// Throttling of password guessing, for both ways a password is checked (Basic auth and the
// password grant). Elasticsearch has no such throttle; this service runs on the open internet,
// so it adds one that stays invisible on the wire: a throttled attempt gets the ordinary
// failed-login 401 *without* checking the password (the right password is refused too: that is
// what stops the guessing). Two limits apply to every attempt:
//
//   - per client and username (the client's address, as the platform reports it): after
//     `threshold` consecutive failures, each further failure locks this client out of this
//     username for a back-off that doubles from `baseMs` up to `maxMs`. A success resets the
//     count, and failures further apart than `windowMs` start over, so a lock always ends by
//     itself. Keyed by client, a stranger's guesses never lock the real owner out.
//   - per username, all clients together: at most `perUsername` failed checks per `windowMs`
//     (a leaky bucket that drains continuously), which slows a guesser with many addresses. One
//     client cannot fill it: its own back-off admits a few failures per window at most.
//
// Attempts are counted when they START: however many arrive at once, at most `threshold` per
// client and username are being checked at a time (one once the back-off has begun); the others
// wait for those checks and are then decided, so a burst of guesses costs a few hashes, and a
// burst of right passwords (a client's parallel requests) all succeed.
//
// State is kept in memory, per handler, for at most `cacheSize` keys of each kind (the least
// recently used are forgotten first). Only the per-username bucket of a username that exists
// (the lookup says so) is shared through KV, so that other isolates see a username under attack:
// the key the core names for the username (`engine.loginPlan(username).throttle_key`), with a TTL of `windowMs`, written at most once per
// `writeIntervalMs` (a pending change is written by the next attempt after that), outside the
// response (`waitUntil`), so the write does not tell by its timing which usernames exist.
// Failures for usernames that do not exist never write: anonymous traffic costs no KV writes.
// Of the KV copy and the memory copy the fuller bucket wins. A KV that fails is not allowed to
// block logins: the throttle then works from memory only.

export const THROTTLE_DEFAULTS = Object.freeze({
  threshold: 5,
  baseMs: 1000,
  maxMs: 5 * 60 * 1000,
  windowMs: 15 * 60 * 1000,
  perUsername: 100,
  writeIntervalMs: 60 * 1000,
  cacheSize: 10_000,
});

/** The client key of a request whose host did not say where it came from. */
export const UNKNOWN_CLIENT = "unknown";

// A client address is an IP address; anything longer from a host is cut, to bound memory.
const MAX_CLIENT_CHARS = 64;
const REFUSED = Object.freeze({ refused: true });

/** A stored bucket, or null for none or one that does not parse (then it is ignored). */
function parseBucket(text) {
  if (typeof text !== "string") return null;
  try {
    const s = JSON.parse(text);
    return Number.isFinite(s?.score) && Number.isFinite(s?.at) ? { score: s.score, at: s.at } : null;
  } catch {
    return null;
  }
}

/**
 * A Map of at most `cap` entries (beyond while more are busy): `use(key, make)` returns the
 * entry, made if missing, as the most recently used; idle ones (`inFlight === 0`) are
 * forgotten oldest first. A busy entry is kept, so a flood of other keys cannot reset its count.
 */
function boundedMap(cap) {
  const map = new Map();
  return {
    use(key, make) {
      const entry = map.get(key) ?? make();
      map.delete(key);
      map.set(key, entry);
      if (map.size > cap) {
        for (const [old, e] of map) {
          if (map.size <= cap) break;
          if (e.inFlight === 0) map.delete(old);
        }
      }
      return entry;
    },
  };
}

const newPair = () => ({ failures: 0, until: 0, at: 0, inFlight: 0, waiting: [] });
const newName = () => ({ score: 0, at: 0, inFlight: 0, known: false, dirty: false, writtenAt: -Infinity });

/** A write that nobody waits for (Node, Deno, Bun: the process outlives the response). */
const background = () => {};

/**
 * `createLoginThrottle(kv, {now, ...limits})`: `kv` is the store (get/put), `now()` the clock
 * in epoch ms. `begin(key, {clientAddress, waitUntil})`, `key` the username's throttle key
 * (named by the core), → `{refused: true}`, or an
 * admitted attempt `{refused: false, succeeded(), failed({known}), abandoned()}` of which
 * exactly one must be called. None of them ever throws.
 */
export function createLoginThrottle(kv, { now = Date.now, ...overrides } = {}) {
  const limits = { ...THROTTLE_DEFAULTS, ...overrides };
  const ttlSeconds = Math.max(60, Math.ceil(limits.windowMs / 1000));
  const drainPerMs = limits.perUsername / limits.windowMs;
  const pairs = boundedMap(limits.cacheSize); // "<digest> <client>" → pair
  const names = boundedMap(limits.cacheSize); // KV key → bucket of that username

  // ---- client and username: back-off, and the attempts being checked ----

  /** Forgets failures older than the window. */
  function age(pair, t) {
    if (pair.failures > 0 && t - pair.at > limits.windowMs) Object.assign(pair, { failures: 0, until: 0 });
  }

  /** "admit", "wait" (for the checks in flight) or "refuse", counting those in flight as failures. */
  function decide(pair, t) {
    age(pair, t);
    if (pair.until > t) return "refuse";
    const slots = Math.max(1, limits.threshold - pair.failures);
    return pair.inFlight < slots && pair.waiting.length === 0 ? "admit" : "wait";
  }

  /** true (admitted, counted in flight), false, or a promise of either once the checks end. */
  function enter(pair, t) {
    const decision = decide(pair, t);
    if (decision === "admit") pair.inFlight++;
    if (decision !== "wait") return decision === "admit";
    return new Promise((resolve) => pair.waiting.push(resolve));
  }

  /** An attempt of `pair` ended: decide for those waiting, in order of arrival. */
  function leave(pair) {
    pair.inFlight--;
    const t = now();
    while (pair.waiting.length > 0) {
      age(pair, t);
      if (pair.until > t) {
        for (const resolve of pair.waiting.splice(0)) resolve(false);
        return;
      }
      if (pair.inFlight >= Math.max(1, limits.threshold - pair.failures)) return;
      pair.inFlight++;
      pair.waiting.shift()(true);
    }
  }

  function lockFor(failures) {
    const over = failures - limits.threshold;
    if (over < 0) return 0;
    return Math.min(limits.baseMs * 2 ** Math.min(over, 40), limits.maxMs);
  }

  // ---- username: the bucket of all clients' failures, shared through KV when known ----

  const level = (bucket, t) => Math.max(0, bucket.score - Math.max(0, t - bucket.at) * drainPerMs);

  async function read(key) {
    try {
      return parseBucket(await kv.get(key));
    } catch {
      return null; // unreadable store: go on with what memory knows
    }
  }

  /** Takes the stored bucket when it is fuller than memory's (another isolate saw more). */
  function adopt(name, stored, t) {
    if (stored === null) return;
    name.known = true; // only known usernames are ever stored
    if (level(stored, t) > level(name, t)) Object.assign(name, { score: stored.score, at: stored.at, dirty: false });
  }

  /** Hands a pending change of a known username to `waitUntil`, at most once per interval. */
  function flush(key, name, t, waitUntil) {
    if (!name.known || !name.dirty || t - name.writtenAt < limits.writeIntervalMs) return;
    name.writtenAt = t;
    name.dirty = false;
    const text = JSON.stringify({ score: name.score, at: name.at });
    const write = (async () => {
      try {
        await kv.put(key, text, { expirationTtl: ttlSeconds });
      } catch {
        name.dirty = true; // a 429 or a failing store: written by a later attempt
      }
    })();
    waitUntil(write);
  }

  // ---- an attempt ----

  async function begin(key, { clientAddress = UNKNOWN_CLIENT, waitUntil = background } = {}) {
    const stored = await read(key);
    // From here to enter() nothing awaits, so parallel attempts are counted one by one.
    const pair = pairs.use(`${key} ${String(clientAddress).slice(0, MAX_CLIENT_CHARS)}`, newPair);
    const entered = enter(pair, now());
    const admitted = entered === true || (entered !== false && (await entered));
    const at = now();
    const name = names.use(key, newName);
    adopt(name, stored, at);
    if (admitted && level(name, at) + name.inFlight + 1 > limits.perUsername) leave(pair);
    else if (admitted) return attempt(key, name, pair, waitUntil);
    // A refused attempt changes nothing, but it may carry a coalesced write.
    flush(key, name, at, waitUntil);
    return REFUSED;
  }

  function attempt(key, name, pair, waitUntil) {
    name.inFlight++;
    let open = true;
    function end(outcome, known) {
      if (!open) return;
      open = false;
      const t = now();
      name.inFlight--;
      if (known) name.known = true;
      if (outcome === "success") Object.assign(pair, { failures: 0, until: 0, at: t });
      if (outcome === "failure") {
        age(pair, t);
        const failures = pair.failures + 1;
        const lock = lockFor(failures);
        Object.assign(pair, { failures, until: lock > 0 ? t + lock : 0, at: t });
        Object.assign(name, { score: level(name, t) + 1, at: t, dirty: true });
      }
      leave(pair);
      flush(key, name, t, waitUntil);
    }
    return {
      refused: false,
      succeeded: () => end("success"),
      /** `known`: the username exists, so its bucket may be written to KV. */
      failed: ({ known = false } = {}) => end("failure", known),
      /** The check could not be made (the store failed): counted neither way. */
      abandoned: () => end("abandoned"),
    };
  }

  return { begin };
}
