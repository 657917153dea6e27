// The peer's Node cold start, as bench/cold-start-child.mjs `package` times edge-token's:
// `node cold-start-child.mjs seed` makes a token in a warm process and prints the store's
// entries; `node cold-start-child.mjs <seed file>` is the cold process: it loads those entries
// into a MemoryKV (untimed), then times importing the peer Worker (bench/peer/worker.js, which
// imports @cloudflare/workers-oauth-provider) and its first check (an API request whose bearer
// token the provider validates; the Request is built before the clock starts). Prints the phases in ms as JSON. Node lacks
// `cloudflare:workers`: in-process.mjs registers a resolve hook with a stand-in first (untimed).
import { readFileSync } from "node:fs";
import { BASE, peerInProcess } from "./in-process.mjs";
import { apiRequest, createClient, issueToken } from "./client.mjs";
import { MemoryKV } from "../../www/memory-kv.js";

if (process.argv[2] === "seed") {
  const kv = new MemoryKV();
  const fetchLike = await peerInProcess(kv);
  const token = await issueToken(fetchLike, BASE, await createClient(fetchLike, BASE));
  process.stdout.write(JSON.stringify({ token: token.access_token, entries: [...kv.entries()] }));
  process.exit(0);
}
const seed = JSON.parse(readFileSync(process.argv[2], "utf8"));
const kv = new MemoryKV();
for (const { name, value, metadata, expiration } of seed.entries) await kv.put(name, value, { metadata, expiration });
const { path, headers } = apiRequest(seed.token);
// Node loads its fetch classes on first touch (tens of ms); in a Worker they are built in, and
// the provider's caller builds the Request anyway: load them before the clock starts.
const request = new Request(BASE + path, { headers });
void new Response("");

const t0 = performance.now();
const fetchLike = await peerInProcess(kv);
const t1 = performance.now();
const response = await fetchLike(request);
const body = await response.json();
const t2 = performance.now();
if (body.username !== "bench_user") throw new Error(`the first check failed: ${response.status} ${JSON.stringify(body)}`);
console.log(JSON.stringify({ peerImportMs: t1 - t0, peerCheckMs: t2 - t1, peerTotalMs: t2 - t0 }));
