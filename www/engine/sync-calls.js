// The engine's synchronous calls that the HTTP service makes (not public API): the native
// realm's (src/wasm/users.rs, roles, realm cache) and the REST layer's (src/wasm/service.rs).
// Each goes through the trap guard of bind.js (`call`), and an envelope through `settle`.
import { settle } from "./errors.js";

export function requireString(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, got ${typeof value}`);
}

export const asJson = (value) => (typeof value === "string" ? value : JSON.stringify(value ?? null));

/**
 * The native realm (src/wasm/users.rs): every rule in the core, the host doing the KV reads and
 * writes and the password crypto between these synchronous calls. ES's 4xx answers (and GET
 * user's 404) throw EdgeTokenError like every other call. Not public API.
 */
export function bindRealmCalls(call, callSync) {
  const nullable = (value) => (value === undefined || value === null ? undefined : value);
  // The string arguments are checked here: a wrong type must not reach the glue.
  const text = (value, what) => {
    requireString(value, what);
    return value;
  };
  return {
    userKey: (username) => call("userKey", text(username, "username")),
    describePasswordHash: (hash) => callSync("describePasswordHash", text(hash, "hash")),
    newPasswordHashFormat: () => callSync("newPasswordHashFormat"),
    parsePutUser: (username, body) => callSync("parsePutUser", text(username, "username"), text(body, "bodyText")),
    putUserRecord: (request, passwordHash, existingRecord) =>
      callSync("putUserRecord", asJson(request), nullable(passwordHash), nullable(existingRecord)),
    userViews: (usernames, values) => callSync("userViews", nullable(usernames), JSON.stringify(values)),
    /** The native realm's endpoints in three steps (src/realm_endpoints.rs). */
    realmRequest: (endpoint, name, caller, body) =>
      callSync("realmRequest", text(endpoint, "endpoint"), nullable(name), text(caller, "caller"), text(body, "bodyText")),
    realmReads: (endpoint, state, caller) => callSync("realmReads", endpoint, JSON.stringify(state), text(caller, "caller")),
    realmAnswer: (endpoint, state, values, hash) =>
      callSync("realmAnswer", endpoint, JSON.stringify(state), JSON.stringify(values), nullable(hash)),
    loginPlan: (username) => callSync("loginPlan", text(username, "username")),
    loginUser: (username, record, reservedEnabled) =>
      callSync("loginUser", text(username, "username"), nullable(record), Boolean(reservedEnabled)),
  };
}

/** What the HTTP service asks the core (src/wasm/service.rs), through the same trap guard. */
export function bindServiceCalls(raw, call) {
  return {
    maxBodyBytes: () => call("maxBodyBytes"),
    /** How the REST layer takes a request: a plain object copied from the core's Route. */
    route(method, path, uri, headers) {
      const read = call(
        "routeRequest",
        method,
        path,
        uri,
        headers.get("accept") ?? undefined,
        headers.get("content-type") ?? undefined,
      );
      const out = {
        endpoint: read.endpoint,
        username: read.username,
        parameterName: read.parameterName,
        preflight: read.preflight,
        problem: read.problem,
        bodyProblem: read.bodyProblem,
        format: read.format,
        responseType: read.responseType,
      };
      read.free();
      return out;
    },
    /** `{bodyCoding, echo, traceId}`: the body's coding, headers every response carries, trace id. */
    requestHeaders: (headers) =>
      JSON.parse(
        call("requestHeaders", ...["content-encoding", "x-opaque-id", "traceparent"].map((n) => headers.get(n) ?? undefined)),
      ),
    /** "gzip", "deflate" or undefined: the response's coding for an Accept-Encoding. */
    responseCoding: (acceptEncoding) => call("responseCoding", acceptEncoding ?? undefined),
    /** GET /_cluster/health: `{probe_key}` or ES's 400; then its 200 or 408 (thrown). */
    clusterHealthPlan: (index, uri) => settle(call("clusterHealthPlan", index ?? undefined, uri)),
    clusterHealthWait: (index, uri, answered, remainingMs) =>
      settle(call("clusterHealthWait", index ?? undefined, uri, Boolean(answered), remainingMs)),
    clusterHealth: (index, uri, storeAnswered) => settle(call("clusterHealth", index ?? undefined, uri, Boolean(storeAnswered))),
    /** The body (JSON text) written with a route's `format` (filter_path, pretty). */
    renderBody: (format, status, text) => call("renderBody", format, status, text),
    corsEnabled: (settings) => call("corsEnabled", settings),
    /** CORS for one request: `{early, forbidden}` envelopes and the response `headers`. */
    cors(settings, method, headers, host) {
      const origin = headers.get("origin") ?? undefined;
      const read = call("corsDecision", settings, method, origin, headers.has("access-control-request-method"), host);
      const out = { early: read.early, forbidden: read.forbidden, headers: JSON.parse(read.headers) };
      read.free();
      return out;
    },
    /** undefined, or the 413/400 envelope for a body that may not be read. */
    checkBody: (bytes) => call("checkBody", bytes),
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
      const read = call("readAuthorization", header);
      const out = { failure: read.failure, token: read.token, username: read.username, password: read.password };
      read.free();
      return out;
    },
  };
}
