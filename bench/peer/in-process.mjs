// The peer Worker in this Node process, on a KV emulation (edge-token's MemoryKV, which does
// what Workers KV does for get, put, delete and list): `fetchLike(request)` runs the Worker's
// fetch with a fresh env. Importing this module registers node-hooks.mjs first.
import { register } from "node:module";

register("./node-hooks.mjs", import.meta.url);

export const BASE = "http://127.0.0.1:8788";

export async function peerInProcess(kv) {
  const { default: worker } = await import("./worker.js");
  const env = { OAUTH_KV: kv };
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
  return (request) => worker.fetch(request, env, ctx);
}
