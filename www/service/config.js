// The service's settings, read once from the Worker-style env (README's table). The core checks
// every setting (src/service_settings.rs); this module hands it the env's values and keeps the
// bindings. Problems are ConfigErrors, whose message never repeats a value that could be a secret.
import { DurableObjectStore, resolveStore } from "../adapters/store.js";
import { createAudit } from "./audit.js";
import { fromEnvelope } from "./http.js";

export class ConfigError extends Error {
  name = "ConfigError";
  /** The core's 500 for this problem, which a Worker answers every request with. */
  /** @type {{ status: number, body: unknown, headers: Record<string, unknown> } | undefined} */
  reply = undefined;
}

/**
 * The service's settings of `env`, every one checked by the core, so that a misconfiguration
 * shows when the handler is made, not on the first request that reads it. The core gets each
 * value as `[typeof, String()]` (a binding, an object, without its text: String() of an RPC stub
 * is not safe to call). Throws ConfigError with its `reply`.
 */
export function readServiceConfig(engine, env) {
  try {
    // An env that is not an object goes as null, for the core to say what it must be.
    const isObject = env !== null && typeof env === "object";
    const values = isObject ? Object.entries(env).filter(([, value]) => value !== undefined && value !== null) : [];
    const described = values.map(([name, value]) => {
      const type = typeof value;
      return [name, type === "object" || type === "function" ? [type] : [type, String(value)]];
    });
    const { settings, problem } = engine.service.serviceSettings(JSON.stringify(isObject ? Object.fromEntries(described) : null));
    if (problem !== undefined) throw new ConfigError(problem);
    const kv = resolveStore(env, settings.store, ConfigError);
    // ROLES: JSON text, or an already parsed object, on top of the built-in roles.
    let roles;
    try {
      roles = engine.parseRoles(env.ROLES);
    } catch (/** @type {any} */ error) {
      throw new ConfigError(error?.message ?? String(error));
    }
    const audit = createAudit(engine, settings.audit, env.AUDIT_QUEUE);
    return Object.freeze({ kv, inDurableObject: kv instanceof DurableObjectStore, ...settings, roles, audit });
  } catch (error) {
    if (error instanceof ConfigError) error.reply = fromEnvelope(engine.service.restError("Settings", error.message));
    throw error;
  }
}
