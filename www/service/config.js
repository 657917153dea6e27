// The service's settings, read once from the Worker-style env: `TOKENS` (KV binding; or, with
// `TOKEN_STORE = "durable_object"`, the Durable Object binding `TOKEN_DO` and optional
// `TOKEN_DO_NAME`), `ELASTIC_PASSWORD` and `TOKEN_SECRET` (secrets), `TOKEN_TIMEOUT` (ES time
// value) and `ROLES` (JSON role descriptors). Problems are reported as ConfigError, whose message
// never repeats a value that could be a secret. What a value may be is the core's rule; this
// module only takes the env's strings to it.
import { StoreConfigError, resolveStore } from "../adapters/store.js";
import { createAudit } from "./audit.js";
import { fromEnvelope } from "./http.js";

export class ConfigError extends Error {
  /** The core's 500 for this problem, set by the handler, answered to every request by a Worker. */
  /** @type {{ status: number, body: unknown, headers: Record<string, unknown> } | undefined} */
  reply = undefined;

  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * `env[name]` as text, undefined when unset or empty; `numbers`: a setting that wrangler's
 * `[vars]` may also give as a number.
 */
function text(env, name, numbers = false) {
  const value = env[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (numbers && typeof value === "number") return String(value);
  if (typeof value !== "string") throw new ConfigError(`env.${name} must be a string`);
  return value;
}

/** `read()`, whose error (the engine's or the store's message) is a ConfigError after `prefix`. */
function checked(prefix, read) {
  try {
    return read();
  } catch (/** @type {any} */ error) {
    throw new ConfigError(`${prefix}${error?.message ?? String(error)}`);
  }
}

/** The store, by `TOKEN_STORE` (adapters/store.js); only its own refusal is a ConfigError. */
function readKv(env) {
  try {
    return resolveStore(env);
  } catch (/** @type {any} */ error) {
    throw error instanceof StoreConfigError ? new ConfigError(error.message) : error;
  }
}

/** The settings of `env` that the platform reads; ROLES and AUDIT_* are the engine's (readServiceConfig). */
export function readConfig(env) {
  if (env === null || typeof env !== "object") {
    throw new ConfigError("env must be an object with TOKENS, ELASTIC_PASSWORD, TOKEN_SECRET, TOKEN_TIMEOUT and ROLES");
  }
  const kv = readKv(env);
  // Empty or unset: the `elastic` user cannot log in (there is no password to check).
  const elasticPassword = text(env, "ELASTIC_PASSWORD");
  // Parsed by the engine (ES time units, 1s..1h), checked at start-up by readServiceConfig.
  const tokenTimeout = text(env, "TOKEN_TIMEOUT");
  // Required: refreshed pairs are derived with it (its rules: the core's).
  const tokenSecret = text(env, "TOKEN_SECRET");
  if (tokenSecret === undefined) {
    throw new ConfigError(
      "TOKEN_SECRET is not set: the service derives refreshed token pairs with this secret (at least 32 random " +
        "characters). Create it with `npx wrangler secret put TOKEN_SECRET` (locally: a TOKEN_SECRET line in .dev.vars)",
    );
  }
  const consoleSwitch = text(env, "CONSOLE");
  if (consoleSwitch !== undefined && consoleSwitch !== "true" && consoleSwitch !== "false")
    throw new ConfigError('env.CONSOLE must be "true" or "false"');
  // ES's `http.cors.*` as `HTTP_CORS_*` (wrangler vars may be booleans or numbers), as JSON text
  // for the core, which owns every CORS rule and refuses a name it does not know (src/cors.rs).
  const cors = Object.entries(env).filter(([name, value]) => name.startsWith("HTTP_CORS_") && value != null);
  return Object.freeze({
    kv,
    elasticPassword,
    tokenTimeout,
    tokenSecret,
    console: consoleSwitch !== "false",
    cors: JSON.stringify(Object.fromEntries(cors.map(([name, value]) => [name.slice(10).toLowerCase(), String(value)]))),
    // ES's cache.ttl, cache.max_users, cache.hash_algo (§17); the core reads them.
    realmCache: {
      ttl: text(env, "REALM_CACHE_TTL", true),
      maxUsers: text(env, "REALM_CACHE_MAX_USERS", true),
      hashAlgo: text(env, "REALM_CACHE_HASH_ALGO", true),
    },
  });
}

/**
 * The service's settings of `env`, every one checked by the engine too (ROLES, TOKEN_TIMEOUT,
 * TOKEN_SECRET, HTTP_CORS_*, REALM_CACHE_*, AUDIT_*), so that a misconfiguration shows when the
 * handler is made, not on the first request that reads it. Throws ConfigError, carrying the
 * core's 500 for it (`reply`), which a Worker answers every request with.
 */
export function readServiceConfig(engine, env) {
  try {
    const config = Object.freeze({
      ...readConfig(env),
      // JSON text, or an already parsed object, on top of the built-in roles.
      roles: checked("", () => engine.parseRoles(env.ROLES)),
      // null when off; a list naming an unknown event type is refused.
      audit: checked("AUDIT_EVENTS_INCLUDE/EXCLUDE: ", () => createAudit(engine, env)),
    });
    const corsProblem = engine.service.corsProblem(config.cors);
    if (corsProblem !== undefined) throw new ConfigError(corsProblem);
    checked("TOKEN_TIMEOUT: ", () => engine.validateSettings({ timeout: config.tokenTimeout }));
    checked("TOKEN_SECRET: ", () => engine.validateSettings({ secret: config.tokenSecret }));
    const cacheSettings = "REALM_CACHE_TTL, REALM_CACHE_MAX_USERS, REALM_CACHE_HASH_ALGO: ";
    checked(cacheSettings, () => engine.realmCache(config.realmCache));
    return config;
  } catch (error) {
    if (error instanceof ConfigError) error.reply = fromEnvelope(engine.service.restError("Settings", error.message));
    throw error;
  }
}
