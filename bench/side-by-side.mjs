// edge-token beside its nearest edge peer, Cloudflare's @cloudflare/workers-oauth-provider
// (bench/peer/worker.js), both under `wrangler dev` (workerd, local KV on disk), both up at once,
// driven by the same autocannon settings in alternating short rounds (each round runs one side
// then the other, the order swapped every round; each round gives one ratio):
//   bearer: edge-token's GET /_security/_authenticate, the peer's GET /api/whoami (the provider
//     validates the token, the API handler answers who it belongs to), each with one token;
//   revoke: revoking one live token per request, each token once (autocannon `amount` = the
//     tokens made beforehand): edge-token's DELETE /_security/oauth2/token {"token"} with a Basic
//     caller whose login is cached, the peer's RFC 7009 POST /oauth/token token=... with its
//     client's Basic secret.
// KV operations of one revoke, the caller's authentication included: the peer's from its own
// counting wrapper (the x-count-kv-ops header, over HTTP on the same server); edge-token's from
// the same handler in process on a counting MemoryKV (tests/service/kv-ops.test.mjs asserts it).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, basic, inProcess, pool, startWrangler } from "../tests/service/helpers.mjs";
import { countingKv } from "./counting-kv.mjs";
import { request as json } from "./e2e-workerd.mjs";
import { apiRequest, countedRequest, createClient, issueToken, revokeRequest } from "./peer/client.mjs";
import { cpuOf, workerdOf } from "./workerd-processes.mjs";

const REVOKER = { username: "bench_revoker", password: "bench-revoker-password" };

async function load(options) {
  const { default: autocannon } = await import("autocannon");
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))));
}

// autocannon's own `duration` is in whole seconds; start and finish are Dates, to the ms. A run
// of a fixed `amount` ends on autocannon's own tick, after the last answer (its rates came out
// as the amount over round times: 1, 1.5, 2 s): such a run carries its own `seconds`, from the
// first request sent to the last answer read.
const seconds = (r) => r.seconds ?? (r.finish - r.start) / 1000;
const summary = (r) => ({
  seconds: seconds(r),
  requestsPerSecond: r.requests.total / seconds(r),
  p50: r.latency.p50,
  p99: r.latency.p99,
  requests: r.requests.total,
  failures: r.non2xx + r.errors + r.timeouts,
});

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The rounds of one load on one side: the median of the per-round rates (what the table shows),
 * each round's rate, and latencies per round.
 */
const combine = (rounds) => ({
  requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
  requests: rounds.reduce((a, r) => a + r.requests, 0),
  failures: rounds.reduce((a, r) => a + r.failures, 0),
  p50: rounds.map((r) => r.p50).join(", "),
  p99: rounds.map((r) => r.p99).join(", "),
  rounds: rounds.map((r) => r.requestsPerSecond),
  cpuMsPerRequest: median(rounds.map((r) => r.cpuMs)),
});

/** `run()` (a load that returns a summary), with the CPU its Worker's workerd processes spent per request. */
async function withCpu(pids, run) {
  const before = cpuOf(pids).all;
  const result = await run();
  return { ...result, cpuMs: (cpuOf(pids).all - before) / result.requests / 1e6 };
}

/**
 * edge-token's rate over the peer's, round by round (the two ran back to back in each round, so
 * drift in the machine's other load hits both of a pair alike): their median, and min and max.
 */
export function roundRatios(edge, peer) {
  const ratios = edge.map((r, i) => r.requestsPerSecond / peer[i].requestsPerSecond);
  // The peer's CPU per request over edge-token's: the rate ratio if CPU were the only limit.
  // It hardly moves with the machine's other load, which the rates do.
  const cpu = edge.map((r, i) => peer[i].cpuMs / r.cpuMs);
  return {
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    rounds: ratios,
    cpu: { median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
  };
}

/** edge-token: a superuser whose tokens are checked and revoked, a token_admin who revokes. */
export async function edgeTokenSide(url, elastic, tokens, log) {
  await json(url, "PUT", "/_security/user/bench_user", {
    auth: elastic,
    body: { password: "bench-password", roles: ["superuser"] },
  });
  await json(url, "PUT", `/_security/user/${REVOKER.username}`, {
    auth: elastic,
    body: { password: REVOKER.password, roles: ["token_admin"] },
  });
  const grant = { grant_type: "password", username: "bench_user", password: "bench-password" };
  log(`side by side: ${tokens} edge-token tokens`);
  const made = await pool(tokens, 10, () => json(url, "POST", "/_security/oauth2/token", { auth: elastic, body: grant }));
  const caller = basic(REVOKER.username, REVOKER.password);
  // One revoke first: the caller's login is then cached, as for every request of the load run.
  const first = await json(url, "DELETE", "/_security/oauth2/token", { auth: caller, body: { token: made.pop().access_token } });
  if (first.invalidated_tokens !== 1) throw new Error(`edge-token revoke: ${JSON.stringify(first)}`);
  return {
    bearer: { path: "/_security/_authenticate", headers: { authorization: `Bearer ${made[0].access_token}` } },
    revoke: made.slice(2).map(({ access_token }) => ({
      token: access_token,
      request: {
        method: "DELETE",
        path: "/_security/oauth2/token",
        headers: { authorization: caller, "content-type": "application/json" },
        body: JSON.stringify({ token: access_token }),
      },
    })),
    stillValid: (token) => fetch(`${url}/_security/_authenticate`, { headers: { authorization: `Bearer ${token}` } }),
    sample: made[1].access_token,
  };
}

export async function peerSide(url, tokens, log) {
  const client = await createClient(fetch, url);
  log(`side by side: ${tokens} peer tokens`);
  const made = await pool(tokens, 10, () => issueToken(fetch, url, client));
  const ops = await countedRequest(fetch, url, revokeRequest(client, made.pop().access_token));
  if (ops.status !== 200) throw new Error(`peer revoke: ${ops.status} ${ops.text}`);
  return {
    bearer: apiRequest(made[0].access_token),
    revoke: made.slice(2).map(({ access_token }) => ({ token: access_token, request: revokeRequest(client, access_token) })),
    stillValid: (token) => fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${token}` } }),
    sample: made[1].access_token,
    revokeOps: ops.ops,
  };
}

/** edge-token's revoke of one token, its Basic caller's login cached, counted in process. */
async function edgeTokenRevokeOps() {
  const { MemoryKV } = await import("../www/entry-node.js");
  const counter = countingKv(new MemoryKV());
  const { call } = await inProcess({ TOKENS: counter.kv });
  await call("PUT", `/_security/user/${REVOKER.username}`, {
    auth: ADMIN,
    body: { password: REVOKER.password, roles: ["token_admin"] },
  });
  const grant = { grant_type: "password", username: REVOKER.username, password: REVOKER.password };
  const pair = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant })).body;
  const caller = basic(REVOKER.username, REVOKER.password);
  await call("GET", "/_security/_authenticate", { auth: caller }); // the login is cached
  counter.reset();
  const reply = await call("DELETE", "/_security/oauth2/token", { auth: caller, body: { token: pair.access_token } });
  if (reply.body?.invalidated_tokens !== 1) throw new Error(`edge-token revoke in process: ${JSON.stringify(reply.body)}`);
  return counter.describe();
}

/** One revoke round: each token of `list` revoked once, `connections` at a time; its summary. */
async function revokeRound(url, list, connections, name) {
  let next = 0;
  let first;
  let last;
  const take = () => {
    first ??= performance.now();
    return list[Math.min(next++, list.length - 1)].request;
  };
  const requests = [
    {
      ...list[0].request,
      setupRequest: (request) => ({ ...request, ...take() }),
      onResponse: () => {
        last = performance.now();
      },
    },
  ];
  const run = await load({ url, requests, connections, amount: list.length });
  if (next < list.length) throw new Error(`${name}: ${next} of ${list.length} tokens revoked`);
  return summary({ ...run, seconds: (last - first) / 1000 });
}

/**
 * `durationS` bounds a bearer round (a third of it, 1 to 3 s); `revokes` tokens per side are
 * revoked in `rounds` rounds of equal size.
 */
export async function measureSideBySide(
  root,
  { durationS = 10, rounds = 5, connections = 10, revokes = 2000, log = () => {} } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "edge-token-bench-peer-"));
  const password = randomBytes(12).toString("base64url");
  const servers = [];
  try {
    log("side by side: starting wrangler dev for edge-token and for the peer");
    const vars = { ELASTIC_PASSWORD: password, TOKEN_SECRET: randomBytes(32).toString("base64url") };
    const [edge, peer] = await Promise.all([
      startWrangler({ persistTo: join(dir, "edge"), vars }),
      startWrangler({ config: join(root, "bench/peer/wrangler.toml"), persistTo: join(dir, "peer"), vars }),
    ]);
    servers.push(edge, peer);
    const urls = { edge: edge.url.replace(/\/$/, ""), peer: peer.url.replace(/\/$/, "") };
    const pids = { edge: workerdOf(new URL(urls.edge).port), peer: workerdOf(new URL(urls.peer).port) };
    const tokens = revokes + 3; // the bearer's own, the sample kept live, the counted revoke
    const sides = {
      edge: await edgeTokenSide(urls.edge, basic("elastic", password), tokens, log),
      peer: await peerSide(urls.peer, tokens, log),
    };
    const roundS = Math.min(3, Math.max(1, Math.floor(durationS / 3)));
    const perRound = Math.floor(revokes / rounds);
    const out = { durationS: roundS * rounds, roundS, rounds, connections, revokes: perRound * rounds, edge: {}, peer: {} };
    // Warm-up, not counted: each Worker's bearer path for a second.
    for (const name of ["edge", "peer"]) {
      const { path, headers } = sides[name].bearer;
      await load({ url: urls[name] + path, headers, connections, duration: 1 });
    }
    // Short rounds, the two sides back to back in each and the order swapped every round: a rise
    // or fall in the machine's other load hits both of a round alike, and each round gives one
    // ratio. Identical builds measured in two long runs ranged 0.75-1.16x; the per-round ratios'
    // median and spread say whether a difference is more than that noise.
    const runs = { edge: { bearer: [], revoke: [] }, peer: { bearer: [], revoke: [] } };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["edge", "peer"] : ["peer", "edge"];
      for (const name of order) {
        log(`side by side: round ${round + 1} of ${rounds}, ${name} bearer check for ${roundS} s`);
        const { path, headers } = sides[name].bearer;
        const run = async () => summary(await load({ url: urls[name] + path, headers, connections, duration: roundS }));
        runs[name].bearer.push(await withCpu(pids[name], run));
      }
      for (const name of order) {
        const list = sides[name].revoke.slice(round * perRound, (round + 1) * perRound);
        log(`side by side: round ${round + 1} of ${rounds}, ${name} revoking ${list.length} tokens, one per request`);
        runs[name].revoke.push(await withCpu(pids[name], () => revokeRound(urls[name], list, connections, name)));
        // Revoked means revoked: the last token is refused, a token left out of the run still checks.
        const gone = (await sides[name].stillValid(list.at(-1).token)).status;
        const kept = (await sides[name].stillValid(sides[name].sample)).status;
        if (gone !== 401 || kept !== 200)
          throw new Error(`${name}: after the revoke run a revoked token answers ${gone}, a live one ${kept}`);
      }
    }
    for (const name of ["edge", "peer"]) for (const kind of ["bearer", "revoke"]) out[name][kind] = combine(runs[name][kind]);
    out.ratios = {
      bearer: roundRatios(runs.edge.bearer, runs.peer.bearer),
      revoke: roundRatios(runs.edge.revoke, runs.peer.revoke),
    };
    out.peer.revokeOps = sides.peer.revokeOps;
    out.edge.revokeOps = await edgeTokenRevokeOps();
    return out;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
