// The service's settings, read once from the Worker-style env: `TOKENS` (KV binding; or, with
// `TOKEN_STORE = "durable_object"`, the Durable Object binding `TOKEN_DO` and optional
// `TOKEN_DO_NAME`), `ELASTIC_PASSWORD` and `TOKEN_SECRET` (secrets), `TOKEN_TIMEOUT` (ES time
// value) and `ROLES` (JSON role descriptors). Problems are reported as ConfigError, whose message never repeats a
// value that could be a secret.
import { StoreConfigError, resolveStore } from "../adapters/store.js";
import { BUILTIN_ROLES, CLUSTER_PRIVILEGES, isActionPattern } from "./privileges.js";

export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}

const ROLE_NAME = /^[\x20-\x7e]{1,1024}$/;

/**
 * The store, by `TOKEN_STORE`: env.TOKENS (plain KV, the default) or, for "durable_object", the
 * KV-shaped binding of the TokenStore Durable Object (TOKEN_DO); see adapters/store.js.
 */
function readKv(env) {
  try {
    return resolveStore(env);
  } catch (error) {
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

/** One role descriptor: only `cluster` matters here; ES's other members are accepted and unused. */
function readRole(name, descriptor) {
  if (!ROLE_NAME.test(name) || name.startsWith(" ") || name.endsWith(" ")) {
    throw new ConfigError(`ROLES: invalid role name [${name}]`);
  }
  if (Object.hasOwn(BUILTIN_ROLES, name)) throw new ConfigError(`ROLES: Role [${name}] is reserved and may not be used.`);
  if (descriptor === null || typeof descriptor !== "object" || Array.isArray(descriptor)) {
    throw new ConfigError(`ROLES: role [${name}] must be an object`);
  }
  const cluster = descriptor.cluster ?? [];
  if (!Array.isArray(cluster) || cluster.some((p) => typeof p !== "string")) {
    throw new ConfigError(`ROLES: [cluster] of role [${name}] must be an array of strings`);
  }
  for (const privilege of cluster) {
    const lower = privilege.toLowerCase();
    if (!CLUSTER_PRIVILEGES.includes(lower) && !isActionPattern(lower)) {
      throw new ConfigError(
        `ROLES: unknown cluster privilege [${lower}] in role [${name}]. a privilege must be either one of the ` +
          `predefined cluster privilege names [${CLUSTER_PRIVILEGES.join(",")}] or a pattern over one of the available cluster actions`,
      );
    }
  }
  return Object.freeze({ cluster: Object.freeze([...cluster]) });
}

/** `ROLES` as JSON text (a Worker var) or an already parsed object, to a Map with the built-ins. */
export function readRoles(value) {
  let parsed = value ?? {};
  if (typeof parsed === "string") {
    if (parsed.trim() === "") parsed = {};
    else {
      try {
        parsed = JSON.parse(parsed);
      } catch {
        throw new ConfigError("ROLES must be a JSON object of role descriptors, e.g. {\"token_admin\": {\"cluster\": [\"manage_token\"]}}");
      }
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("ROLES must be a JSON object of role descriptors");
  }
  const roles = new Map(Object.entries(BUILTIN_ROLES));
  for (const [name, descriptor] of Object.entries(parsed)) roles.set(name, readRole(name, descriptor));
  return roles;
}

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
    roles: readRoles(env.ROLES),
  });
}

/**
 * The engine's own check of the settings it reads (TOKEN_TIMEOUT: an ES time value, 1s..1h),
 * run once so a bad value fails at start-up like a bad ROLES, not on the first token request.
 */
export function checkEngineSettings(api, config) {
  const checks = [
    ["TOKEN_TIMEOUT", { timeout: config.tokenTimeout }],
    ["TOKEN_SECRET", { secret: config.tokenSecret }],
  ];
  for (const [name, settings] of checks) {
    try {
      api.validateSettings(settings);
    } catch (error) {
      const reason = error?.body?.error?.reason ?? error?.message ?? String(error);
      throw new ConfigError(`${name}: ${reason}`);
    }
  }
}
