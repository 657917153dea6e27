// Types for the public API of edge-token. Request and response shapes follow Elasticsearch's
// token service (POST/DELETE /_security/oauth2/token) and GET /_security/_authenticate.

// ---------------------------------------------------------------------------------------------
// KV

/** Options of a KV put, as in Workers KV. */
export interface KVPutOptions {
  /** Absolute expiry, epoch seconds; at least 60 s in the future. */
  expiration?: number;
  /** Relative expiry in seconds; at least 60. Wins over `expiration`. */
  expirationTtl?: number;
  /** Any JSON value whose serialisation is at most 1024 bytes. */
  metadata?: unknown;
}

export interface KVListOptions {
  prefix?: string | null;
  cursor?: string | null;
  /** 1..1000, default 1000. */
  limit?: number;
}

export interface KVListKey<Metadata = unknown> {
  name: string;
  /** Epoch seconds, when the key expires. */
  expiration?: number;
  metadata?: Metadata;
}

export type KVListResult<Metadata = unknown> =
  | { keys: KVListKey<Metadata>[]; list_complete: false; cursor: string; cacheStatus: string | null }
  | { keys: KVListKey<Metadata>[]; list_complete: true; cacheStatus: string | null };

/**
 * What the token service needs of a KV binding: a Cloudflare Workers `KVNamespace` satisfies it,
 * and so does MemoryKV. `now`, when present, is the clock used when `options.now` is omitted.
 */
export interface KVBinding {
  get(key: string): Promise<string | null>;
  /** Bulk read of up to 100 keys; a binding without bulk support may return anything else. */
  get(keys: string[]): Promise<Map<string, string | null> | unknown>;
  put(key: string, value: string, options?: KVPutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: KVListOptions): Promise<KVListResult>;
  now?(): number;
}

export type KVValue = string | ArrayBuffer | ArrayBufferView;
export type KVGetType = "text" | "json" | "arrayBuffer" | "stream";

/** One stored entry, as yielded by MemoryKV.entries(). */
export interface MemoryKVEntry {
  name: string;
  value: string;
  metadata: unknown;
  /** Epoch seconds, or undefined for a key that never expires. */
  expiration: number | undefined;
}

/** An in-memory KV namespace that behaves like Workers KV, with an injectable clock. */
export class MemoryKV implements KVBinding {
  constructor(options?: { now?: () => number });
  /** The clock's time, epoch milliseconds. */
  now(): number;
  /** Number of live (unexpired) keys. */
  readonly size: number;
  /** The live entries in key order. */
  entries(): IterableIterator<MemoryKVEntry>;

  get(key: string, type?: "text" | { type?: "text"; cacheTtl?: number }): Promise<string | null>;
  get<T = unknown>(key: string, type: "json" | { type: "json"; cacheTtl?: number }): Promise<T | null>;
  get(key: string, type: "arrayBuffer" | { type: "arrayBuffer"; cacheTtl?: number }): Promise<ArrayBuffer | null>;
  get(key: string, type: "stream" | { type: "stream"; cacheTtl?: number }): Promise<ReadableStream | null>;
  get(keys: string[], type?: "text" | { type?: "text" }): Promise<Map<string, string | null>>;
  get<T = unknown>(keys: string[], type: "json" | { type: "json" }): Promise<Map<string, T | null>>;

  put(key: string, value: KVValue, options?: KVPutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list<M = unknown>(options?: KVListOptions): Promise<KVListResult<M>>;
}

// ---------------------------------------------------------------------------------------------
// Token service shapes

/** A realm given by name only, or by name and type. */
export type RealmRef = string | { name: string; type?: string };

/** The user on whose behalf the caller acts: the `client` of a token. */
export interface ClientIdentity {
  username: string;
  realm: RealmRef;
}

/** Input of createToken: the already authenticated user and the grant asked for. */
export interface CreateTokenRequest {
  grant_type: "password" | "client_credentials";
  username: string;
  realm: RealmRef;
  roles?: string[];
  full_name?: string | null;
  email?: string | null;
  metadata?: Record<string, unknown>;
  enabled?: boolean;
  /** The caller creating the token, when it differs from `username`. */
  client?: ClientIdentity;
  scope?: string;
}

export interface RealmInfo {
  name: string;
  type: string;
}

/** The body of GET /_security/_authenticate for a token-authenticated user. */
export interface AuthenticateResponse {
  username: string;
  roles: string[];
  full_name: string | null;
  email: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
  authentication_realm: RealmInfo;
  lookup_realm: RealmInfo;
  authentication_type: "token" | "realm" | "api_key" | "anonymous" | "internal" | string;
  [extra: string]: unknown;
}

/** The body of POST /_security/oauth2/token. */
export interface GetTokenResponse {
  access_token: string;
  type: "Bearer";
  /** Seconds. */
  expires_in: number;
  scope?: string;
  /** Absent for the client_credentials grant. */
  refresh_token?: string;
  authentication: AuthenticateResponse;
}

/** The body of DELETE /_security/oauth2/token. */
export type InvalidateTokenRequest =
  | { token: string }
  | { refresh_token: string }
  | { realm_name?: string; username?: string };

export interface ErrorCause {
  type: string;
  reason?: string | null;
  root_cause?: ErrorCause[];
  caused_by?: ErrorCause;
  [extra: string]: unknown;
}

export interface InvalidateTokenResponse {
  invalidated_tokens: number;
  previously_invalidated_tokens: number;
  error_count: number;
  error_details?: ErrorCause[];
}

/** An Elasticsearch error body: the usual `{error: {...}, status}`, or OAuth2's string form. */
export type ErrorBody =
  | { error: ErrorCause & { root_cause: ErrorCause[] }; status: number }
  | { error: string; error_description?: string };

/** Headers of a response: name to value, or to several values (e.g. WWW-Authenticate). */
export type Headers = Record<string, string | string[]>;

export interface CallOptions {
  /** The current time in epoch ms, or a clock. Default: `kv.now()` if present, else Date.now(). */
  now?: number | (() => number);
  /** Token lifetime in ES time units, e.g. "20m". */
  timeout?: string;
}

export interface RefreshOptions extends CallOptions {
  /**
   * The secret the new pair is derived with (the service's TOKEN_SECRET): at least 32
   * characters, the same for every call on one store. Without it a refresh rejects with 400.
   */
  secret: string;
}

/** A failed call: the ES status, error body and response headers, ready to send as-is. */
export class EdgeTokenError extends Error {
  constructor(status: number, body: ErrorBody, headers?: Headers, options?: { cause?: unknown });
  readonly name: "EdgeTokenError";
  status: number;
  body: ErrorBody;
  headers: Headers;
}

// ---------------------------------------------------------------------------------------------
// API

/** Creates an access token (and, for the password grant, a refresh token) for the user. */
export function createToken(
  kv: KVBinding,
  request: CreateTokenRequest | string,
  options?: CallOptions,
): Promise<GetTokenResponse>;

/** The authenticated user behind an access token; rejects with 401 when it is not valid. */
export function checkToken(kv: KVBinding, accessToken: string, options?: CallOptions): Promise<AuthenticateResponse>;

/** Exchanges a refresh token for a new token pair; `client` is the caller. */
export function refreshToken(
  kv: KVBinding,
  refreshToken: string,
  client: ClientIdentity,
  options: RefreshOptions,
): Promise<GetTokenResponse>;

/** Invalidates tokens; `body` is the HTTP body text or the object it encodes. */
export function invalidateToken(
  kv: KVBinding,
  body: InvalidateTokenRequest | string | null | undefined,
  options?: CallOptions,
): Promise<InvalidateTokenResponse>;

/** Validates the body of a get-token HTTP request; throws EdgeTokenError when it is invalid. */
export function parseTokenRequest(bodyText: string): unknown;

/**
 * Validates the body of an invalidate request without a store (ES's 400s, §2.3), so a host can
 * answer them before authorization; throws EdgeTokenError when it is invalid.
 */
export function parseInvalidateRequest(
  bodyText: InvalidateTokenRequest | string | null | undefined,
): { mode: "token" | "refresh_token" | "realm_name" | "username" | "realm_name_and_username" };

/**
 * Validates settings once at start-up (the token timeout, 1s to 1h; the secret, at least 32
 * characters, when given); throws EdgeTokenError.
 */
export function validateSettings(settings?: { timeout?: string; secret?: string }): { timeout_ms: number };

// ---------------------------------------------------------------------------------------------
// Privileges (Elasticsearch's cluster privileges and the actions they grant)

declare const rolesBrand: unique symbol;

/** A role table made by parseRoles(): the built-in `superuser` and the roles of the setting. */
export interface Roles {
  readonly [rolesBrand]: true;
}

/**
 * An Elasticsearch role descriptor. `cluster` grants the actions: named cluster privileges
 * (`manage_token`, `manage_security`, ...) or action patterns such as
 * `cluster:admin/xpack/security/token/*`; `indices` is what `_has_privileges` and `_privileges`
 * answer from; the other members are accepted and ignored.
 */
export interface RoleDescriptor {
  cluster?: string[] | null;
  indices?: { names: string | string[]; privileges: string[]; allow_restricted_indices?: boolean }[];
  [other: string]: unknown;
}

/** The endpoints whose Elasticsearch action authorize() checks. */
export type Endpoint =
  | "createToken"
  | "refreshToken"
  | "invalidateToken"
  | "putUser"
  | "getUsers"
  | "deleteUser"
  | "setEnabled"
  | "changePassword"
  | "main"
  | "clusterHealth"
  | "putRole"
  | "getRoles"
  | "deleteRole";

/**
 * The role table of a `ROLES` setting: JSON text (blank for none) or the object it encodes,
 * on top of the built-in roles. Throws an Error whose message says what is wrong, e.g.
 * `ROLES: unknown cluster privilege [manage_tokens] in role [r]. ...`.
 */
export function parseRoles(roles: string | Record<string, RoleDescriptor> | null | undefined): Roles;

/**
 * Returns when one of the user's roles found in `roles` grants the endpoint's action; throws
 * EdgeTokenError otherwise: 403 with Elasticsearch's security_exception, which names the
 * action, the effective roles, the roles not found and the privileges that would grant it.
 */
export function authorize(roles: Roles, username: string, assignedRoles: readonly string[] | null | undefined, endpoint: Endpoint): void;

// ---------------------------------------------------------------------------------------------
// HTTP service

/** The bindings of the service, named as in wrangler.toml. */
export interface ServiceEnv {
  /** The KV namespace for tokens and native-realm users (not read when TOKEN_STORE is "durable_object"). */
  TOKENS: KVBinding;
  /**
   * Where tokens and users live: "kv" (default, TOKENS, eventually consistent) or
   * "durable_object" (strong consistency mode: the TokenStore Durable Object bound as TOKEN_DO,
   * which runs every token call whole; export it from the Worker's main module, e.g.
   * `export { default, TokenStore } from "edge-token/worker"`).
   */
  TOKEN_STORE?: "kv" | "durable_object";
  /** The Durable Object namespace of class TokenStore; required when TOKEN_STORE is "durable_object". */
  TOKEN_DO?: { idFromName(name: string): unknown; get(id: any): unknown };
  /** The name of the one TokenStore object (default "edge-token"). */
  TOKEN_DO_NAME?: string;
  /** The password of the reserved superuser `elastic`; unset or empty disables that user. */
  ELASTIC_PASSWORD?: string;
  /**
   * The secret refreshed token pairs are derived with (at least 32 characters; required). The
   * store never holds it, so a read of the store does not give future tokens.
   */
  TOKEN_SECRET: string;
  /** Access-token lifetime in ES time units (1s..1h), default "20m". */
  TOKEN_TIMEOUT?: string;
  /** ES's `cache.ttl` of the per-isolate cache of password logins, default "20m"; "0s" turns it off. */
  REALM_CACHE_TTL?: string | number;
  /** ES's `cache.max_users`, default 100000. */
  REALM_CACHE_MAX_USERS?: string | number;
  /** ES's `cache.hash_algo`: "ssha256", the default and the only one. */
  REALM_CACHE_HASH_ALGO?: string;
  /**
   * Role descriptors as JSON text (or an object): `{"token_admin": {"cluster": ["manage_token"]}}`.
   * Only cluster privileges are used; the built-in role `superuser` has them all.
   */
  ROLES?: string | Record<string, RoleDescriptor>;
  /** The audit trail (ES's audit events, one JSON line each): "true" to write it; off by default. */
  AUDIT_ENABLED?: "true" | "false" | boolean;
  /** Comma list of event types to write (ES's `events.include`; `_all`); default ES's list. */
  AUDIT_EVENTS_INCLUDE?: string;
  /** Comma list of event types not to write (ES's `events.exclude`). */
  AUDIT_EVENTS_EXCLUDE?: string;
  /** A Queue binding to send the events to instead of `console.log`. */
  AUDIT_QUEUE?: { send(message: unknown): Promise<unknown> };
  /** The operator console at /_console/: "true" (the default) or "false" to switch it off. */
  CONSOLE?: "true" | "false" | boolean;
  /** CORS as ES's `http.cors.enabled`: "true" turns it on; off by default. */
  HTTP_CORS_ENABLED?: "true" | "false" | boolean;
  /** ES's `http.cors.allow-origin`: "*", "/regex/" (the whole origin), or a comma list of origins. */
  HTTP_CORS_ALLOW_ORIGIN?: string;
  /** ES's `http.cors.allow-methods`, a comma list (default OPTIONS,HEAD,GET,POST,PUT,DELETE). */
  HTTP_CORS_ALLOW_METHODS?: string;
  /** ES's `http.cors.allow-headers`, a comma list. */
  HTTP_CORS_ALLOW_HEADERS?: string;
  /** ES's `http.cors.allow-credentials`: "true" sends Access-Control-Allow-Credentials. */
  HTTP_CORS_ALLOW_CREDENTIALS?: "true" | "false" | boolean;
  /** ES's `http.cors.max-age`, seconds (default 1728000). */
  HTTP_CORS_MAX_AGE?: string | number;
  /** ES's `http.cors.expose-headers`, a comma list (default X-elastic-product). */
  HTTP_CORS_EXPOSE_HEADERS?: string;
  /**
   * KV operations per segment of a realm's or user's invalidation on Workers, 2 to 900 (default
   * 900).
   */
  BULK_SEGMENT_OPS?: string | number;
}

/** What the host knows about a request that the request itself cannot be trusted to say. */
export interface HandlerOptions {
  /**
   * The client's address as the platform vouches for it (the socket's peer, CF-Connecting-IP on
   * Workers), never a header a client can set. The login throttle keys on it; default "unknown",
   * which all such requests share.
   */
  clientAddress?: string;
  /** Keeps work that outlives the response alive (Workers' `ctx.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/**
 * Elasticsearch's token endpoints, `_authenticate`, native-realm user management and `GET /` as
 * one fetch handler. Throws (a ConfigError) when `env` is invalid. The service's modules are
 * loaded with the handler's first request, so importing the package for the token calls alone
 * does not load them.
 */
export function createHandler(env: ServiceEnv): (request: Request, options?: HandlerOptions) => Promise<Response>;
