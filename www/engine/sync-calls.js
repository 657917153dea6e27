// The engine's synchronous calls that the HTTP service makes (not public API): the native
// realm's (src/wasm/users.rs, realm_endpoints.rs) and the REST layer's (src/wasm/service.rs).
// Each goes through the trap guard of bind.js (`call`), and an envelope through `settle`.
import { settle } from "./errors.js";

/** `value`, which must be a string (a wrong type must not reach the glue). */
export function requireString(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, got ${typeof value}`);
  return value;
}

/**
 * A bounded memo for a pure call of the core (its answer depends on its arguments only, never
 * on state or the clock), so that a repeat request costs a Map lookup, not a boundary crossing:
 * `(key, make)` answers the value remembered for `key`, else `make()`'s, remembered. Keys are
 * request data, so at most `limit` are kept (the oldest go first) and a long one not at all.
 * The values are shared between requests: they are frozen.
 */
export function pureMemo(limit, maxKeyLength = 2048) {
  const known = new Map();
  return (key, make) => {
    let value = known.get(key);
    if (value !== undefined) return value;
    value = make();
    if (key.length <= maxKeyLength) {
      if (known.size >= limit) known.delete(known.keys().next().value);
      known.set(key, value);
    }
    return value;
  };
}

/** A header's value as a memo key part: absent and empty differ. */
const part = (value) => (value === undefined ? "\n" : `\n=${value}`);

export const asJson = (value) => (typeof value === "string" ? value : JSON.stringify(value ?? null));

/**
 * The native realm (src/wasm/users.rs): every rule in the core, the host doing the KV reads and
 * writes and the password crypto between these synchronous calls. ES's 4xx answers (and GET
 * user's 404) throw EdgeTokenError like every other call. Not public API.
 */
export function bindRealmCalls(callSync, call) {
  // The keys a login reads depend on its username only; every Basic request asks.
  const loginPlans = pureMemo(1024);
  const text = requireString;
  return {
    describePasswordHash: (hash) => callSync("describePasswordHash", text(hash, "hash")),
    newPasswordHashFormat: () => callSync("newPasswordHashFormat"),
    /** The new hash's text for the salt and key derived as the format says. */
    newPasswordHash: (salt, key) => callSync("newPasswordHash", salt, key),
    passwordSalt: (hash) => call("passwordSalt", text(hash, "hash")),
    /** Whether a derived key is the one `hash` stores, compared in constant time. */
    passwordKeyMatches: (hash, derived) => call("passwordKeyMatches", text(hash, "hash"), derived) === true,
    /** The native realm's endpoints in three steps (src/realm_endpoints.rs). */
    realmRequest: (endpoint, name, caller, body) =>
      callSync("realmRequest", text(endpoint, "endpoint"), name, text(caller, "caller"), text(body, "bodyText")),
    realmReads: (endpoint, state, caller) => callSync("realmReads", endpoint, JSON.stringify(state), text(caller, "caller")),
    realmAnswer: (endpoint, state, values, hash) =>
      callSync("realmAnswer", endpoint, JSON.stringify(state), JSON.stringify(values), hash),
    loginPlan: (username) => loginPlans(text(username, "username"), () => Object.freeze(callSync("loginPlan", username))),
    loginUser: (username, record, reservedEnabled) =>
      callSync("loginUser", text(username, "username"), record, Boolean(reservedEnabled)),
  };
}

// The getters of the core's Route (src/wasm/service.rs), copied out before it is freed.
export const ROUTE_FIELDS = ["endpoint", "action", "username", "preflight", "problem", "bodyProblem", "format", "responseType"];

/** What the HTTP service asks the core (src/wasm/service.rs), through the same trap guard. */
export function bindServiceCalls(raw, call) {
  // Routing is a pure function of the request line and two headers (src/wasm/service.rs), and
  // building its answer (the error envelopes of a body a route refuses, ...) is most of it:
  // clients repeat the same few requests, which then cost a Map lookup.
  const routes = pureMemo(256);
  const routeOf = (method, path, uri, accept, contentType) => {
    const read = call("routeRequest", method, path, uri, accept, contentType);
    const out = Object.freeze(Object.fromEntries(ROUTE_FIELDS.map((name) => [name, read[name]])));
    read.free();
    return out;
  };
  // The plain headers of a request that sends none of them (most), answered once.
  let noPlainHeaders;
  /** @type {{problem: string | undefined} | undefined} */
  let emptyBody;
  return {
    maxBodyBytes: () => call("maxBodyBytes"),
    /** The REST layer's headers by a reply's status: `{"401": {}, ..., default: {...}}` (src/rest_reply.rs). */
    restHeaders: () => JSON.parse(call("restHeaders")),
    /** How the REST layer takes a request: a frozen plain object copied from the core's Route. */
    route(method, path, uri, headers) {
      const accept = headers.get("accept") ?? undefined;
      const contentType = headers.get("content-type") ?? undefined;
      const key = `${method} ${path}\n${uri}${part(accept)}${part(contentType)}`;
      return routes(key, () => routeOf(method, path, uri, accept, contentType));
    },
    /** `{bodyCoding, echo, traceId}`: the body's coding, headers every response carries, trace id. */
    requestHeaders(headers) {
      // No closures here: a bundler keeping names (wrangler) wraps each made per request.
      const coding = headers.get("content-encoding") ?? undefined;
      const opaqueId = headers.get("x-opaque-id") ?? undefined;
      const traceparent = headers.get("traceparent") ?? undefined;
      const none = coding === undefined && opaqueId === undefined && traceparent === undefined;
      if (none && noPlainHeaders !== undefined) return noPlainHeaders;
      const plain = JSON.parse(call("requestHeaders", coding, opaqueId, traceparent));
      if (!none) return plain;
      noPlainHeaders = Object.freeze({ ...plain, echo: Object.freeze(plain.echo) });
      return noPlainHeaders;
    },
    /** "gzip", "deflate" or undefined: the response's coding for an Accept-Encoding. */
    responseCoding: (acceptEncoding) => call("responseCoding", acceptEncoding),
    /** GET /_cluster/health: `{probe_key, timeout_ms}` or ES's 400 (thrown); then the ms to wait, or the envelope. */
    clusterHealthPlan: (index, uri) => settle(call("clusterHealthPlan", index, uri)),
    clusterHealthNext: (index, uri, answered, remainingMs) =>
      call("clusterHealthNext", index, uri, Boolean(answered), remainingMs),
    /** A get-token body read (ES's 400s thrown), with its grant's `endpoint` and `login` (src/grant_request.rs). */
    tokenGrant: (body) => settle(call("tokenGrant", requireString(body, "bodyText"))),
    /** A grant's `createToken` request, or for refresh_token its client (JSON text). */
    grantRequest: (grant, caller, user, scope) =>
      call("grantRequest", grant, JSON.stringify(caller), JSON.stringify(user), scope),
    /** The body (JSON text) written with a route's `format` (filter_path, pretty). */
    renderBody: (format, status, text) => call("renderBody", format, status, text),
    corsEnabled: (settings) => call("corsEnabled", settings),
    /** CORS for one request: `{early, forbidden}` envelopes and the response `headers`. */
    cors: (settings, method, headers, host) =>
      JSON.parse(
        call("corsDecision", settings, method, headers.get("origin"), headers.has("access-control-request-method"), host),
      ),
    /** undefined, or the 413/400 envelope for a body that may not be read. */
    checkBody(bytes) {
      if (bytes.length > 0) return call("checkBody", bytes);
      // Most requests have none: the core's answer for it, asked once.
      if (emptyBody === undefined) emptyBody = { problem: call("checkBody", bytes) };
      return emptyBody.problem;
    },
    /** The env's settings checked (src/service_settings.rs): `{settings}`, or `{problem}` for the operator. */
    serviceSettings: (env) => JSON.parse(call("serviceSettings", env)),
    /** GET /'s body. */
    serverInfo: () => JSON.parse(call("serverInfo")),
    /** The audit trail's lines (JSON text each) for what one request did. */
    auditEvents: (include, exclude, trail) => JSON.parse(call("auditEvents", include, exclude, JSON.stringify(trail))),
    /** The envelope of a REST-layer error: `kind` is a name of the core's RestError enum. */
    restError: (kind, ...args) => call("restError", raw.RestError[kind], args.map(String)),
    /** `{username, password}`, `{token}`, `{failure}` (a 401 envelope) or `{}` for none. */
    readAuthorization(header) {
      // The core's answer behind a mark (src/wasm/service.rs): a Basic username holds no colon.
      const read = call("readAuthorization", header);
      const mark = read.charAt(0);
      if (mark === "T") return { token: read.slice(1) };
      if (mark === "F") return { failure: read.slice(1) };
      if (mark !== "B") return {};
      const colon = read.indexOf(":");
      return { username: read.slice(1, colon), password: read.slice(colon + 1) };
    },
  };
}
