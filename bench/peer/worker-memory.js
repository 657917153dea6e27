// The peer Worker (worker.js) with OAUTH_KV in the isolate's memory (edge-token's MemoryKV), for
// bench/revoke-cost.mjs and bench/workerd-cpu.mjs: the workerd process's CPU per request is then
// the provider's own work, as bench/fixtures/worker-memory.js makes it edge-token's.
import { memoryWorker } from "../fixtures/memory-worker.js";
import worker from "./worker.js";

export default memoryWorker(worker, "OAUTH_KV");
