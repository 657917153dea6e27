// The package's public API: the engine's calls, the HTTP service over them, and MemoryKV.
// Each entry (entry-node.js, entry-workerd.js, entry-web.js) re-exports this module.
import { engine } from "./engine/bound.js";
import { createServiceHandler } from "./service/handler.js";

export const {
  createToken,
  checkToken,
  refreshToken,
  invalidateToken,
  parseTokenRequest,
  parseInvalidateRequest,
  validateSettings,
  parseRoles,
  authorize,
} = engine;
/**
 * The HTTP service over this engine: `createHandler(env)` returns
 * `(Request, {clientAddress, waitUntil}?) => Promise<Response>`.
 */
export const createHandler = (env) => createServiceHandler(engine, env);
export { EdgeTokenError } from "./engine/errors.js";
export { MemoryKV } from "./memory-kv.js";
