// The package's public API: the engine's calls, the HTTP service over them, and MemoryKV.
// Each entry (entry-node.js, entry-workerd.js, entry-web.js) re-exports this module.
import { engine } from "./engine/bound.js";
import { configReader } from "./config-reader.js";

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
 * `(Request, {clientAddress, waitUntil}?) => Promise<Response>`. The env is checked at once (a
 * ConfigError); the service's modules load with the first request, and where the runtime allows
 * (config-reader.js) the env reader with the first createHandler call, so that a program using
 * only the token calls never loads them.
 */
export function createHandler(env) {
  const config = configReader()(engine, env);
  let service;
  return async (request, options) => {
    service ??= import("./service/handler.js").then((module) => module.serviceHandler(engine, config));
    return (await service)(request, options);
  };
}
export { EdgeTokenError } from "./engine/errors.js";
export { MemoryKV } from "./memory-kv.js";
