// The service's settings, read once from the Worker-style env: `TOKENS` (KV binding; or, with
// `TOKEN_STORE = "durable_object"`, the Durable Object binding `TOKEN_DO` and optional
// `TOKEN_DO_NAME`), `ELASTIC_PASSWORD` and `TOKEN_SECRET` (secrets), `TOKEN_TIMEOUT` (ES time
// value) and `ROLES` (JSON role descriptors). Problems are reported as ConfigError, whose message never repeats a
// value that could be a secret.
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
 * The store, by `TOKEN_STORE`: env.TOKENS (plain KV, the default) or, for "durable_object", the
 * KV-shaped binding of the TokenStore Durable Object (TOKEN_DO); see adapters/store.js.
 */
function readKv(env) {
  try {
    return resolveStore(env);
  } catch (/** @type {any} */ error) {
    if (error instanceof StoreConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function readOptionalString(env, name) {
  const value = env[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigError(`env.${name} must be a string`);
  return value;
}

/** A string setting that wrangler's `[vars]` may also give as a number. */
const readOptionalText = (env, name) => (typeof env[name] === "number" ? String(env[name]) : readOptionalString(env, name));

/** An on/off setting: "true" or "false", `fallback` when unset. */
function readSwitch(env, name, fallback) {
  const value = readOptionalString(env, name);
  if (value === undefined) return fallback;
  if (value === "true" || value === "false") return value === "true";
  throw new ConfigError(`env.${name} must be "true" or "false"`);
}

/** TOKEN_SECRET is required: refreshed pairs are derived with it (its rules: the core's). */
function readTokenSecret(env) {
  const secret = readOptionalString(env, "TOKEN_SECRET");
  if (secret === undefined) {
    throw new ConfigError(
      "TOKEN_SECRET is not set: the service derives refreshed token pairs with this secret (at least 32 random " +
        "characters). Create it with `npx wrangler secret put TOKEN_SECRET` (locally: a TOKEN_SECRET line in .dev.vars)",
    );
  }
  return secret;
}

/**
 * `ROLES` (JSON text, or an already parsed object) as the engine's role table, on top of the
 * built-in roles; `engine` is the bound engine API. The engine's message says what is wrong.
 */
export function readRoles(engine, value) {
  try {
    return engine.parseRoles(value);
  } catch (/** @type {any} */ error) {
    throw new ConfigError(error?.message ?? String(error));
  }
}

/** ES's `http.cors.*` as `HTTP_CORS_*` (wrangler vars may be booleans or numbers), as JSON text
 * for the core, which owns every CORS rule and refuses a name it does not know (src/cors.rs). */
function readCors(env) {
  const set = Object.entries(env).filter(([name, value]) => name.startsWith("HTTP_CORS_") && value != null);
  return JSON.stringify(Object.fromEntries(set.map(([name, value]) => [name.slice(10).toLowerCase(), String(value)])));
}

/** The settings of `env` that the platform reads; ROLES is the engine's (readRoles). */
export function readConfig(env) {
  if (env === null || typeof env !== "object") {
    throw new ConfigError("env must be an object with TOKENS, ELASTIC_PASSWORD, TOKEN_SECRET, TOKEN_TIMEOUT and ROLES");
  }
  return Object.freeze({
    kv: readKv(env),
    // Empty or unset: the `elastic` user cannot log in (there is no password to check).
    elasticPassword: readOptionalString(env, "ELASTIC_PASSWORD"),
    // Parsed by the engine (ES time units, 1s..1h): checked at start-up by checkEngineSettings.
    tokenTimeout: readOptionalString(env, "TOKEN_TIMEOUT"),
    tokenSecret: readTokenSecret(env),
    console: readSwitch(env, "CONSOLE", true),
    cors: readCors(env),
    // ES's cache.ttl, cache.max_users, cache.hash_algo (§17); the core reads them.
    realmCache: {
      ttl: readOptionalText(env, "REALM_CACHE_TTL"),
      maxUsers: readOptionalText(env, "REALM_CACHE_MAX_USERS"),
      hashAlgo: readOptionalText(env, "REALM_CACHE_HASH_ALGO"),
    },
  });
}

/**
 * The engine's own check of the settings it reads (TOKEN_TIMEOUT: an ES time value, 1s..1h),
 * run once so a bad value fails at start-up like a bad ROLES, not on the first token request.
 */
export function checkEngineSettings(engine, config) {
  const checks = [
    ["TOKEN_TIMEOUT", { timeout: config.tokenTimeout }],
    ["TOKEN_SECRET", { secret: config.tokenSecret }],
  ];
  const corsProblem = engine.service.corsProblem(config.cors);
  if (corsProblem !== undefined) throw new ConfigError(corsProblem);
  for (const [name, settings] of checks) {
    try {
      engine.validateSettings(settings);
    } catch (/** @type {any} */ error) {
      const reason = error?.body?.error?.reason ?? error?.message ?? String(error);
      throw new ConfigError(`${name}: ${reason}`);
    }
  }
}

/**
 * The service's settings of `env`, every one checked (the engine's too), so that a
 * misconfiguration shows when the handler is made. Throws ConfigError, carrying the core's 500
 * for it (`reply`), which a Worker answers every request with.
 */
export function readServiceConfig(engine, env) {
  try {
    const config = Object.freeze({ ...readConfig(env), roles: readRoles(engine, env.ROLES), audit: readAudit(engine, env) });
    checkEngineSettings(engine, config);
    checkRealmCache(engine, config);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) error.reply = fromEnvelope(engine.service.restError("Settings", error.message));
    throw error;
  }
}

/** The audit trail of AUDIT_* (null when off); a bad event list is a configuration error. */
function readAudit(engine, env) {
  try {
    return createAudit(engine, env);
  } catch (/** @type {any} */ error) {
    throw new ConfigError(`AUDIT_EVENTS_INCLUDE/EXCLUDE: ${error?.message ?? String(error)}`);
  }
}

/** The realm cache's settings (§17), checked by the core when it makes a cache. */
function checkRealmCache(engine, config) {
  try {
    engine.realmCache(config.realmCache);
  } catch (/** @type {any} */ error) {
    throw new ConfigError(`REALM_CACHE_TTL, REALM_CACHE_MAX_USERS, REALM_CACHE_HASH_ALGO: ${error?.message ?? error}`);
  }
}
