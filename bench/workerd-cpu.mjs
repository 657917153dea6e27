// CPU per request of edge-token's Worker in workerd, memory mode (bench/fixtures/worker-memory.js:
// the store is a MemoryKV inside the isolate, so no KV simulator shares the process).
//
// How: `wrangler dev` runs the Worker in a workerd process of its own (the one started with an
// inspector address; a second workerd in the same process group is wrangler's proxy in front of
// it). Inside a Worker the clock is frozen during execution (`performance.now()` and `Date.now()`
// only move on I/O, a Spectre mitigation), so the Worker cannot time itself; and the per-request
// CPU that workerd gives tail Workers (TraceItem cpuTime) is 0 in local workerd (a tail Worker
// under Miniflare sees cpuTime 0 and wallTime 0 even for a 2e7-iteration loop). Instead the bench reads that process's CPU time from Linux (the sum
// of /proc/<pid>/task/*/schedstat, nanoseconds, every thread: V8, WebCrypto, the HTTP layer),
// sends N requests one at a time, reads it again, and divides. The floor is GET /__floor, which
// the fixture answers before the service is reached: what workerd itself spends on a request.
// Rounds alternate the kinds of request so that drift hits all alike; figures are medians.
// The bearer check and revoking one token are measured for the peer too (bench/peer/
// worker-memory.js: the provider on a MemoryKV, with a floor of its own), each revoke of a
// different live token.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basic, startWrangler } from "../tests/service/helpers.mjs";
import { edgeTokenSide, peerSide } from "./side-by-side.mjs";
import { perItem, workerdOf } from "./workerd-processes.mjs";

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

export async function measureWorkerdCpu(root, { requests = 200, rounds = 3, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "edge-token-bench-cpu-"));
  const password = randomBytes(12).toString("base64url");
  const servers = [];
  try {
    log("workerd CPU (memory mode): starting wrangler dev for edge-token and for the peer");
    const vars = { ELASTIC_PASSWORD: password, TOKEN_SECRET: randomBytes(32).toString("base64url") };
    const [server, peerServer] = await Promise.all([
      startWrangler({ config: join(root, "bench/fixtures/wrangler-memory.toml"), persistTo: join(dir, "state"), vars }),
      startWrangler({ config: join(root, "bench/peer/wrangler-memory.toml"), persistTo: join(dir, "peer"), vars }),
    ]);
    servers.push(server, peerServer);
    const url = server.url.replace(/\/$/, "");
    const pids = workerdOf(new URL(url).port);
    const peerUrl = peerServer.url.replace(/\/$/, "");
    const peerPids = workerdOf(new URL(peerUrl).port);
    const send = async (path, { method = "GET", auth, body } = {}) => {
      const headers = {};
      if (auth) headers.authorization = auth;
      if (body) headers["content-type"] = "application/json";
      const response = await fetch(url + path, { method, headers, body: body && JSON.stringify(body) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const elastic = basic("elastic", password);
    await send("/_security/user/bench_user", {
      method: "PUT",
      auth: elastic,
      body: { password: "bench-password", roles: ["superuser"] },
    });
    const user = basic("bench_user", "bench-password");
    const grantBody = { grant_type: "password", username: "bench_user", password: "bench-password" };
    const { access_token } = await send("/_security/oauth2/token", { method: "POST", auth: elastic, body: grantBody });
    // Revoking one token, each request a different live token (side-by-side.mjs makes them and
    // the requests): edge-token's DELETE with its Basic caller cached, the peer's RFC 7009 POST
    // with its client's Basic secret. The peer's own floor is its fixture's GET /__floor.
    const revokes = Math.min(requests, 100);
    const tokens = revokes * rounds + 23;
    const edgeRevokes = (await edgeTokenSide(url, elastic, tokens, log)).revoke.map((r) => r.request);
    const peer = await peerSide(peerUrl, tokens, log);
    const peerRevokes = peer.revoke.map((r) => r.request);
    // The peer's bearer check (its API handler behind the provider's token check), as the
    // side-by-side sends it: the Worker's own work, beside edge-token's bearer row.
    const peerBearer = async () => {
      const response = await fetch(peerUrl + peer.bearer.path, { headers: peer.bearer.headers });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`peer bearer: ${response.status} ${text}`);
    };
    const revokeOf = (base, list) => async () => {
      const r = list.shift();
      const response = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`revoke at ${base}: ${response.status} ${text}`);
    };
    const kinds = {
      floor: { call: () => send("/__floor") },
      basic: { call: () => send("/_security/_authenticate", { auth: user }) },
      grant: { call: () => send("/_security/oauth2/token", { method: "POST", auth: elastic, body: grantBody }) },
      bearer: { call: () => send("/_security/_authenticate", { auth: `Bearer ${access_token}` }) },
      revoke: { call: revokeOf(url, edgeRevokes), n: revokes },
      peerFloor: { call: () => fetch(`${peerUrl}/__floor`).then((r) => r.text()), pids: peerPids },
      peerBearer: { call: peerBearer, pids: peerPids },
      peerRevoke: { call: revokeOf(peerUrl, peerRevokes), pids: peerPids, n: revokes },
    };
    for (const { call } of Object.values(kinds)) for (let i = 0; i < 20; i++) await call(); // logins cached, code warm
    const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, { runtime: [], all: [] }]));
    for (let round = 0; round < rounds; round++) {
      log(`workerd CPU (memory mode): round ${round + 1} of ${rounds}, ${requests} requests of each kind (${revokes} revokes)`);
      for (const [kind, { call, pids: of = pids, n = requests }] of Object.entries(kinds)) {
        const sample = await perItem(of, n, async () => {
          for (let i = 0; i < n; i++) await call();
        });
        samples[kind].runtime.push(sample.runtime);
        samples[kind].all.push(sample.all);
      }
    }
    const out = { requests, rounds, revokes };
    for (const [kind, s] of Object.entries(samples)) out[kind] = { runtimeMs: median(s.runtime), allMs: median(s.all) };
    for (const kind of ["basic", "grant", "bearer", "revoke"]) out[kind].aboveFloorMs = out[kind].runtimeMs - out.floor.runtimeMs;
    for (const kind of ["peerBearer", "peerRevoke"]) out[kind].aboveFloorMs = out[kind].runtimeMs - out.peerFloor.runtimeMs;
    return out;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
