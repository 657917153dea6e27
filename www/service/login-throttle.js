// The login throttle's platform side. Its rules (the limits, the counts, every decision) are the
// core's (src/login_throttle.rs, src/wasm/throttle.rs); here is what only the host has: the
// attempts waiting for the checks in flight (promises), the clock, the store reads, and the
// writes handed to `waitUntil`, outside the response, so that a write's timing does not tell
// which usernames exist. A failing store does not block logins: the throttle then works from the
// instance's memory only. Each admitted attempt holds a lease from the core; one never ended
// (workerd cancels a request whose client went away: its `end` never runs) frees its place when
// the lease runs out, and the attempts waiting behind it ask the core again then (`retryAt`).
// Once the request's abort signal says its client went away, a waiting attempt leaves the queue,
// and on workerd an admitted one frees its places (below).
import { attempt, requestScopedTimers } from "../kv-guard.js";

const ENDED = Object.freeze({ refused: false, end() {} });
const REFUSED_ATTEMPT = Object.freeze({ refused: true, end() {} });

/** A write that nobody waits for (Node, Deno, Bun: the process outlives the response). */
const background = () => {};

/**
 * `createLoginThrottle(engine, kv, {now, cancelsWork})`: `kv` the store (get/put), `now()` the
 * clock in epoch ms, `cancelsWork` whether the runtime ends a request's work with it (workerd).
 * `begin(key, {clientAddress, waitUntil, known, signal})`, `key` the username's throttle key
 * (named by the core), `known` whether the check is known to succeed (a cached login), `signal`
 * the request's (aborted: refused, nothing counted) → an attempt `{refused, end(outcome, known)}`.
 * An admitted one (not refused, not `known`) must be ended once, `outcome` "success", "failure"
 * (`known`: the username exists, so its bucket may be stored) or "abandoned" (the check could not
 * be made: counted neither way). Nothing here throws.
 */
export function createLoginThrottle(engine, kv, { now = Date.now, cancelsWork = requestScopedTimers() } = {}) {
  const core = engine.loginThrottle();
  // The core's steps, its flag for a bucket due to be stored, and how long an attempt may wait.
  const { ADMITTED, WAIT, DONE, STEP, WRITE, MAX_WAIT_MS } = JSON.parse(core("terms"));
  /** @type {Map<string, Array<(lease: number | null) => void>>} client and username → waiting */
  const queues = new Map();

  /** After a core call made with `waiting` attempts of the pair waiting: those it let go on. */
  function release(pairKey, waiting) {
    if (waiting === 0) return;
    const queue = queues.get(pairKey) ?? [];
    const admitted = core("released");
    if (admitted > 0) {
      // The core gave the admitted ones consecutive leases, in the queue's order.
      const first = core("releasedLease");
      for (const [i, wake] of queue.splice(0, admitted).entries()) wake(first + i);
    }
    if (admitted < 0) for (const wake of queue.splice(0)) wake(null);
    if (queue.length === 0) queues.delete(pairKey);
  }

  /**
   * Waits in the pair's queue until admitted (its lease) or refused (null). The wait holds
   * timers of its own request: workerd cancels as hung a request waiting on nothing but another
   * request's promise (it did, in bursts of uncached logins). One asks the core again when the
   * first lease of the pair ends, for a place whose attempt was never ended (then freed).
   */
  function wait(pairKey, signal) {
    const queue = queues.get(pairKey) ?? [];
    queues.set(pairKey, queue);
    return new Promise((resolve) => {
      let retry;
      const done = (lease) => {
        clearTimeout(timer);
        clearTimeout(retry);
        signal?.removeEventListener("abort", quit);
        resolve(lease);
      };
      // Out of the pair's queue (dropped once empty) after MAX_WAIT_MS or once its client goes.
      const quit = () => {
        if (queue.includes(done)) queue.splice(queue.indexOf(done), 1);
        if (queue.length === 0 && queues.get(pairKey) === queue) queues.delete(pairKey);
        done(null);
      };
      const timer = setTimeout(quit, MAX_WAIT_MS);
      signal?.addEventListener("abort", quit);
      queue.push(done);
      const askLater = () => {
        const at = now();
        // At least 1 ms: the core names a time after `now`; a clock that stands still must not spin.
        retry = setTimeout(askAgain, Math.max(1, core("retryAt", pairKey, at) - at));
      };
      // Only a waiting attempt has a `retry` timer (`done` clears it).
      const askAgain = () => {
        const count = queue.length;
        core("wake", pairKey, count, now());
        release(pairKey, count);
        if (queue.includes(done)) askLater();
      };
      askLater();
    });
  }

  /** Hands the bucket the core wants stored (a known username's, at most once a minute) to `waitUntil`. */
  function flush(key, waitUntil) {
    const text = core("takeWrite", key, now());
    if (text === undefined) return;
    // A 429 or a failing store (a throw included): written by a later attempt.
    const write = attempt(() => kv.put(key, text, { expirationTtl: core("ttlSeconds") }));
    waitUntil(write.catch(() => core("unwritten", key)));
  }

  /** The stored bucket, else undefined: none, or an unreadable store (memory knows the rest). */
  async function read(key) {
    const text = await attempt(() => kv.get(key)).catch(() => undefined);
    return typeof text === "string" ? text : undefined;
  }

  /** @param {string} key @param {{clientAddress?: string, waitUntil?: Function, known?: boolean, signal?: AbortSignal}} [how] */
  async function begin(key, { clientAddress, waitUntil = background, known = false, signal } = {}) {
    // None: the client's bucket refuses it, so the username's bucket is not read (a write may be
    // due).
    const pairKey = core("pair", key, clientAddress, now());
    const stored = pairKey === undefined ? undefined : await read(key);
    if (signal?.aborted) return REFUSED_ATTEMPT;
    // From here to "start" nothing awaits, so parallel attempts are counted one by one.
    const waiting = () => queues.get(pairKey)?.length ?? 0;
    let step =
      pairKey === undefined ? core("gaveUp", key, false, now()) : core("start", pairKey, key, stored, waiting(), known, now());
    let lease = step === ADMITTED ? core("lease") : null;
    if (step === WAIT) {
      lease = await wait(pairKey, signal);
      if (lease !== null) {
        step = core("resume", pairKey, key, stored, known, lease, waiting(), now());
        release(pairKey, waiting());
      } else step = core("gaveUp", key, signal?.aborted === true, now());
    }
    // A refused attempt changes nothing, but it may carry a coalesced write.
    if (step & WRITE) flush(key, waitUntil);
    if ((step & STEP) !== ADMITTED) return (step & STEP) === DONE ? ENDED : REFUSED_ATTEMPT;
    const finish = (outcome, known = false) => {
      const count = waiting();
      const write = core("finish", pairKey, key, lease, outcome, known, count, now());
      release(pairKey, count);
      if (write & WRITE) flush(key, waitUntil);
    };
    // Admitted after its client went (while it waited): no check is made.
    if (signal?.aborted) {
      finish("abandoned");
      return REFUSED_ATTEMPT;
    }
    // Its client gone mid-check, the attempt frees its places now where the runtime ends the
    // request's work with it (workerd: its `end` would never run). Elsewhere (Node) the check goes
    // on and holds its place until it ends: freed early, one pair's hashes in flight would have no
    // bound. Should a freed one still end, `end` counts it as a lease that ran out: frees nothing.
    const abandon = () => finish("abandoned");
    if (cancelsWork) signal?.addEventListener("abort", abandon, { once: true });
    let open = true;
    const end = (outcome, known) => {
      signal?.removeEventListener("abort", abandon);
      if (open) finish(outcome, known);
      open = false;
    };
    return { refused: false, end };
  }

  return { begin };
}
