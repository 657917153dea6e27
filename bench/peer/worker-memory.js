// The peer Worker (worker.js) with OAUTH_KV in the isolate's memory (edge-token's MemoryKV), for
// bench/revoke-cost.mjs: the workerd process's CPU per request is then the provider's own work,
// as bench/fixtures/worker-memory.js makes it edge-token's. GET /__floor answers before the
// provider is reached.
import { MemoryKV } from "../../www/memory-kv.js";
import worker from "./worker.js";

const memoryEnvs = new WeakMap();

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__floor") return new Response("");
    let memoryEnv = memoryEnvs.get(env);
    if (!memoryEnv) {
      memoryEnv = { ...env, OAUTH_KV: new MemoryKV() };
      memoryEnvs.set(env, memoryEnv);
    }
    return worker.fetch(request, memoryEnv, ctx);
  },
};
