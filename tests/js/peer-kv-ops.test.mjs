// The benchmark's peer (bench/peer/worker.js, @cloudflare/workers-oauth-provider) in process, on
// MemoryKV: the KV operations its requests cost, counted by the Worker's own counting wrapper
// (the `x-count-kv-ops` header). Deterministic, so asserted exactly: BENCHMARKS.md compares
// edge-token's revoke against these numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, peerInProcess } from "../../bench/peer/in-process.mjs";
import { apiRequest, countedRequest, createClient, issueToken, revokeRequest } from "../../bench/peer/client.mjs";
import { MemoryKV } from "../../www/memory-kv.js";

async function setUp() {
  const fetchLike = await peerInProcess(new MemoryKV());
  const client = await createClient(fetchLike, BASE);
  const counted = (request) => countedRequest(fetchLike, BASE, request);
  return { client, counted, issue: () => issueToken(fetchLike, BASE, client) };
}

test("the peer revokes one access token in 3 KV operations, its client's authentication included", async () => {
  const { client, counted, issue } = await setUp();
  const pair = await issue();
  assert.deepEqual(await counted(apiRequest(pair.access_token)), {
    status: 200,
    text: '{"username":"bench_user","scope":["read"]}',
    ops: "1 (get 1)",
  });
  // The client record (its secret's hash), the token record, then its delete.
  assert.deepEqual(await counted(revokeRequest(client, pair.access_token)), {
    status: 200,
    text: "",
    ops: "3 (get 2, delete 1)",
  });
  const after = await counted(apiRequest(pair.access_token));
  assert.deepEqual([after.status, after.ops], [401, "1 (get 1)"]);
  // Revoking it again finds no token, then looks for a grant of that id: still 200 (RFC 7009).
  assert.deepEqual(await counted(revokeRequest(client, pair.access_token)), { status: 200, text: "", ops: "3 (get 3)" });
});

test("revoking a refresh token takes the whole grant: 6 operations", async () => {
  const { client, counted, issue } = await setUp();
  const pair = await issue();
  const revoked = await counted(revokeRequest(client, pair.refresh_token));
  assert.deepEqual([revoked.status, revoked.ops], [200, "6 (get 3, delete 2, list 1)"]);
  assert.equal((await counted(apiRequest(pair.access_token))).status, 401);
});
