// The login throttle's platform side. Its rules (the limits, the counts, every decision) are the
// core's (src/login_throttle.rs); here are what only the host has: the attempts that wait for
// the checks in flight (promises), the clock, and the store reads and the writes handed to
// `waitUntil`, outside the response, so that a write does not tell by its timing which
// usernames exist. A store that fails is not allowed to block logins: the throttle then works
// from the instance's memory only.

/** The client key of a request whose host did not say where it came from. */
export const UNKNOWN_CLIENT = "unknown";

const REFUSED = Object.freeze({ refused: true });

/** A write that nobody waits for (Node, Deno, Bun: the process outlives the response). */
const background = () => {};

/**
 * `createLoginThrottle(engine, kv, {now})`: `kv` is the store (get/put), `now()` the clock in
 * epoch ms. `begin(key, {clientAddress, waitUntil})`, `key` the username's throttle key (named
 * by the core) → `{refused: true}`, or an admitted attempt `{refused: false, succeeded(),
 * failed({known}), abandoned()}` of which exactly one must be called. None of them ever throws.
 */
export function createLoginThrottle(engine, kv, { now = Date.now } = {}) {
  const core = engine.loginThrottle();
  /** @type {Map<string, Array<(admitted: boolean) => void>>} client and username → waiting */
  const queues = new Map();

  /** An admitted attempt ended: the core says which waiting ones go on, in order of arrival. */
  function release(pairKey) {
    const queue = queues.get(pairKey) ?? [];
    const admitted = core("leave", pairKey, queue.length, now()); // -1: all are refused
    for (const resolve of queue.splice(0, admitted)) resolve(true);
    if (admitted < 0) for (const resolve of queue.splice(0)) resolve(false);
    if (queue.length === 0) queues.delete(pairKey);
  }

  /** Hands the bucket the core wants stored (a known username's, at most once a minute) to `waitUntil`. */
  function flush(key, waitUntil) {
    const text = core("takeWrite", key, now());
    if (text === undefined) return;
    const write = async () => {
      try {
        await kv.put(key, text, { expirationTtl: core("ttlSeconds") });
      } catch {
        core("unwritten", key); // a 429 or a failing store: written by a later attempt
      }
    };
    waitUntil(write());
  }

  async function read(key) {
    try {
      const text = await kv.get(key);
      return typeof text === "string" ? text : undefined;
    } catch {
      return undefined; // unreadable store: go on with what memory knows
    }
  }

  async function begin(key, { clientAddress = UNKNOWN_CLIENT, waitUntil = background } = {}) {
    const stored = await read(key);
    // From here to "enter" nothing awaits, so parallel attempts are counted one by one.
    const pairKey = `${key} ${clientAddress}`;
    const queue = queues.get(pairKey) ?? [];
    const entry = core("enter", pairKey, queue.length, now()); // 0: admitted, 1: to wait, 2: refused
    let admitted = entry === 0;
    if (entry === 1) {
      queues.set(pairKey, queue);
      admitted = await new Promise((resolve) => queue.push(resolve));
    }
    if (admitted && core("admitName", key, stored, now())) return attempt(key, pairKey, waitUntil);
    if (admitted) release(pairKey);
    // A refused attempt changes nothing, but it may carry a coalesced write.
    flush(key, waitUntil);
    return REFUSED;
  }

  function attempt(key, pairKey, waitUntil) {
    let open = true;
    const end = (outcome, known = false) => {
      if (!open) return;
      open = false;
      core("end", pairKey, key, outcome, known, now());
      release(pairKey);
      flush(key, waitUntil);
    };
    return {
      refused: false,
      succeeded: () => end("success"),
      /** `known`: the username exists, so its bucket may be written to the store. */
      failed: ({ known = false } = {}) => end("failure", known),
      /** The check could not be made (the store failed): counted neither way. */
      abandoned: () => end("abandoned"),
    };
  }

  return { begin };
}
