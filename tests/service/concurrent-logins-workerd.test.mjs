// Concurrent password logins on workerd (`wrangler dev`, local KV): bursts of password grants
// 10 at a time, each burst's first logins not yet in the realm cache (so some attempts wait in
// the login throttle for others' checks, across requests), then revokes by a Basic caller 10 at
// a time. Every answer must be the service's own: a status under 500 with a JSON body. A 500
// without a body is workerd's, not ours (a request it cancelled as hung, an uncaught exception,
// a promise that never settles); a failure prints what workerd and wrangler logged, to tell which.
// Then logins whose clients disconnect during the password check (workerd cancels them: their
// `finish` never comes) must not hold the login throttle's places for good.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { ELASTIC_PASSWORD, basic, pool, startWrangler } from "./helpers.mjs";
import { bcryptHash } from "./password-fixtures.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-concurrent-"));
const server = await startWrangler({ persistTo });
after(async () => {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

const ADMIN = basic("elastic", ELASTIC_PASSWORD);
const USERS = ["burst_a", "burst_b", "burst_c", "burst_d"];
const PW = "burst-password";
const REVOKER = { username: "burst_revoker", password: "burst-revoker-password" };
const CONCURRENCY = 10;
const GRANTS_PER_USER = 60;

/** Every answer, kept for the failure message: method, path, status and the body's text. */
const answers = [];

async function call(method, path, auth, body) {
  const headers = { authorization: auth };
  if (body !== undefined) headers["content-type"] = "application/json";
  const url = server.url.replace(/\/$/, "") + path;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  const seen = { method, path, user: body?.username, status: response.status, text: text.slice(0, 300), json };
  answers.push(seen);
  return seen;
}

/** Fails with every bad answer and workerd's log unless all answers were the service's own. */
function assertAllServiceAnswers(stage) {
  const bad = answers.filter((a) => a.status >= 500 || a.json === undefined);
  if (bad.length === 0) return;
  const shown = bad.slice(0, 10).map((a) => `${a.method} ${a.path} ${a.user ?? ""} -> ${a.status} ${JSON.stringify(a.text)}`);
  assert.fail(
    `${stage}: ${bad.length} of ${answers.length} answers were not the service's own (>= 500 or no JSON body):\n` +
      `${shown.join("\n")}\n--- wrangler/workerd output ---\n${server.output()}`,
  );
}

test("concurrent password grants and revokes on workerd: every answer is the service's own", { timeout: 120_000 }, async () => {
  for (const [username, password, roles] of [
    ...USERS.map((u) => [u, PW, ["superuser"]]),
    [REVOKER.username, REVOKER.password, ["token_admin"]],
  ]) {
    const made = await call("PUT", `/_security/user/${username}`, ADMIN, { password, roles });
    assert.equal(made.status, 200, made.text);
  }
  const grant = (username) => call("POST", "/_security/oauth2/token", ADMIN, { grant_type: "password", username, password: PW });

  // Per user: a burst of 10 whose logins are all uncached (the cache learns the password from the
  // first that succeeds, after its slow hash), then the rest 10 at a time, mostly cached.
  const tokens = [];
  for (const username of USERS) {
    const made = await pool(GRANTS_PER_USER, CONCURRENCY, () => grant(username));
    assertAllServiceAnswers(`password grants of ${username}`);
    for (const m of made) {
      assert.equal(m.status, 200, m.text);
      tokens.push(m.json.access_token);
    }
  }
  // The cache emptied, and all users' logins uncached at once, interleaved.
  const cleared = await call("POST", "/_security/realm/*/_clear_cache", ADMIN);
  assert.equal(cleared.status, 200, cleared.text);
  await pool(4 * CONCURRENCY, CONCURRENCY, (i) => grant(USERS[i % USERS.length]));
  assertAllServiceAnswers("password grants after _clear_cache");

  // Revokes by a Basic caller (its first logins uncached too), each token once.
  const caller = basic(REVOKER.username, REVOKER.password);
  const revoked = await pool(tokens.length, CONCURRENCY, (i) =>
    call("DELETE", "/_security/oauth2/token", caller, { token: tokens[i] }),
  );
  assertAllServiceAnswers("revokes");
  for (const r of revoked) assert.deepEqual(r.json, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
});

// Cancelled logins. A request is cancelled on workerd when its client's connection is reset
// (then its promises never settle: `end` never runs, the throttle's places stayed taken). wrangler
// dev's proxy in front of the Worker does not pass a reset on (the Worker's request goes on to
// its answer), so these requests go to the Worker's runtime's own socket, found through /proc.

/** Every process as {pid, ppid, comm} (Linux /proc). */
function processes() {
  const all = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      all.push({ pid: Number(entry), ppid: Number(ppid), comm });
    } catch {} // ended meanwhile
  }
  return all;
}

/** The TCP ports process `pid` listens on (Linux /proc). */
function listeningPorts(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (socket) inodes.add(socket[1]);
      } catch {}
    }
  } catch {
    return [];
  }
  const ports = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {}
    for (const line of text.trim().split("\n").slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === "0A" && inodes.has(inode)) ports.push(Number.parseInt(local.split(":")[1], 16));
    }
  }
  return ports;
}

/**
 * The Worker's runtime's own URL: wrangler runs its proxy and the Worker in two workerd
 * processes, children of one wrangler process; of the second's sockets, the one that answers as
 * the service.
 */
async function runtimeUrl() {
  const publicPort = Number(new URL(server.url).port);
  const all = processes();
  const proxy = all.find((p) => p.comm === "workerd" && listeningPorts(p.pid).includes(publicPort));
  assert.ok(proxy, "the workerd process of wrangler's proxy");
  for (const runtime of all.filter((p) => p.comm === "workerd" && p.ppid === proxy.ppid && p.pid !== proxy.pid)) {
    for (const port of listeningPorts(runtime.pid)) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) });
        if ((await response.json())?.error?.type === "security_exception") return `http://127.0.0.1:${port}`;
      } catch {}
    }
  }
  assert.fail(`no socket of the Worker's runtime answered as the service:\n${server.output()}`);
}

/**
 * A request written on a raw socket to `base`, whose connection is reset (the client gone) when
 * `gone` settles; whether any of the answer had come by then.
 */
function sendThenReset(base, head, body, gone) {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname, () => {
    socket.write(`${head}\r\nhost: ${hostname}:${port}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  let answered = false;
  socket.on("data", () => {
    answered = true;
  });
  socket.on("error", () => {});
  return gone.then(() => {
    socket.resetAndDestroy();
    return answered;
  });
}

test("logins cancelled during their password check do not keep the same client's logins waiting", {
  timeout: 90_000,
  skip: process.platform !== "linux" && "finds the Worker's socket through /proc",
}, async () => {
  const base = await runtimeUrl();
  const ask = async (path, init) => {
    const response = await fetch(base + path, { ...init, signal: AbortSignal.timeout(30_000) });
    return { status: response.status, text: await response.text() };
  };
  const authenticate = (username, password) =>
    ask("/_security/_authenticate", { headers: { authorization: basic(username, password) } });
  const grantBody = (username, password) => JSON.stringify({ grant_type: "password", username, password });
  const grant = (username, password) =>
    ask("/_security/oauth2/token", {
      method: "POST",
      headers: { authorization: ADMIN, "content-type": "application/json" },
      body: grantBody(username, password),
    });

  // bcrypt at the highest cost taken (12), checked in plain JavaScript: the slowest honest
  // check, so that a reset lands while the attempts are being checked.
  const PASSWORD = "leak-password";
  const hash = bcryptHash(PASSWORD, { cost: 12 });
  for (const username of ["leak_probe", "leak_basic", "leak_grant"]) {
    const made = await call("PUT", `/_security/user/${username}`, ADMIN, { password_hash: hash, roles: ["superuser"] });
    assert.equal(made.status, 200, made.text);
  }
  // The throttle checks at most 5 attempts of a client and username at once. The probe
  // measures how long 5 such checks at once take to their first answer (bcryptjs loaded by
  // then), so that the resets below land halfway through theirs, after all 5 were admitted.
  const started = Date.now();
  const probes = Array.from({ length: 5 }, () => authenticate("leak_probe", PASSWORD));
  await Promise.race(probes);
  const halfway = (Date.now() - started) / 2;
  for (const probe of await Promise.all(probes)) assert.equal(probe.status, 200, probe.text);

  // 5 attempts of each user from this client (the right password: were a reset to miss, they
  // would succeed and hold nothing), and 2 more that wait behind them, all reset halfway.
  const gone = new Promise((resolve) => setTimeout(resolve, halfway));
  const cancelled = await Promise.all([
    ...Array.from({ length: 7 }, () =>
      sendThenReset(base, `GET /_security/_authenticate HTTP/1.1\r\nauthorization: ${basic("leak_basic", PASSWORD)}`, "", gone),
    ),
    ...Array.from({ length: 7 }, () =>
      sendThenReset(
        base,
        `POST /_security/oauth2/token HTTP/1.1\r\nauthorization: ${ADMIN}\r\ncontent-type: application/json`,
        grantBody("leak_grant", PASSWORD),
        gone,
      ),
    ),
  ]);
  assert.equal(cancelled.filter((answered) => answered).length, 0, "an attempt meant to be cancelled was answered first");

  // The same client logs in again, each way. While the cancelled attempts held their places
  // for good, these waited the throttle's 60 s and got its 401 (the requests end at 30 s); while
  // they held them until their leases ended, 15 s. Their requests' signals now free them at once.
  const sent = Date.now();
  const [viaBasic, viaGrant] = await Promise.all([authenticate("leak_basic", PASSWORD), grant("leak_grant", PASSWORD)]);
  assert.equal(viaBasic.status, 200, viaBasic.text);
  assert.equal(viaGrant.status, 200, viaGrant.text);
  const waited = Date.now() - sent;
  assert.ok(
    waited < 12_000,
    `the logins after the cancelled ones answered in ${waited} ms (5 checks at once: ${2 * halfway} ms)`,
  );
});

// Logins cancelled while they wait in the throttle's queue. Before the request's abort signal
// reached the throttle, a waiter whose client had gone stayed queued; when a place freed it was
// given it (its request dead, nothing ended it), and the live login behind it waited a whole
// lease (15 s) more. Now it leaves the queue when its client goes.
test("logins cancelled while queued in the throttle give up their turn at once", {
  timeout: 90_000,
  skip: process.platform !== "linux" && "finds the Worker's socket through /proc",
}, async (t) => {
  const base = await runtimeUrl();
  const PASSWORD = "queue-password";
  const hash = bcryptHash(PASSWORD, { cost: 12 });
  for (const username of ["queue_probe", "queue_user"]) {
    const made = await call("PUT", `/_security/user/${username}`, ADMIN, { password_hash: hash, roles: ["superuser"] });
    assert.equal(made.status, 200, `${made.text}\n${server.output()}`);
  }
  const authenticate = async (username) => {
    const response = await fetch(`${base}/_security/_authenticate`, {
      headers: { authorization: basic(username, PASSWORD) },
      signal: AbortSignal.timeout(40_000),
    });
    return { status: response.status, text: await response.text(), at: Date.now() };
  };
  // How long 5 uncached checks at once take (another user, so its cached password helps none).
  const started = Date.now();
  const probes = await Promise.all(Array.from({ length: 5 }, () => authenticate("queue_probe")));
  for (const probe of probes) assert.equal(probe.status, 200, probe.text);
  const checks = Math.max(...probes.map((p) => p.at)) - started;

  // 5 uncached checks fill the pair's places and 10 more attempts queue behind them; halfway
  // through the checks those 10 clients reset, and one more login queues.
  const live = Array.from({ length: 5 }, () => authenticate("queue_user"));
  const gone = new Promise((resolve) => setTimeout(resolve, checks / 2));
  const head = `GET /_security/_authenticate HTTP/1.1\r\nauthorization: ${basic("queue_user", PASSWORD)}`;
  const cancelled = await Promise.all(Array.from({ length: 10 }, () => sendThenReset(base, head, "", gone)));
  assert.equal(cancelled.filter((answered) => answered).length, 0, "an attempt meant to be cancelled was answered");
  const sent = Date.now();
  const next = authenticate("queue_user");
  for (const l of await Promise.all(live)) assert.equal(l.status, 200, l.text);
  const behind = await next;
  assert.equal(behind.status, 200, behind.text);
  // The one bound: it answers once the live checks end and its own is made (well under
  // `checks` from here); had the cancelled ones taken their places, only once their leases
  // ended, 15 s after the live checks.
  const waited = behind.at - sent;
  t.diagnostic(`5 checks at once: ${checks} ms; the login behind the cancelled ones answered in ${waited} ms`);
  assert.ok(waited < 12_000, `the login behind the cancelled ones answered in ${waited} ms (5 checks at once: ${checks} ms)`);
});
