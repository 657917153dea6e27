// createHandler(env): the whole service as one `(Request) => Promise<Response>`, the same on
// workerd, Node, Deno and Bun. The steps run in the order Elasticsearch 8/9 runs them
// (docs/service.md, "Request order"): OPTIONS without credentials; authentication (401, as ES,
// before routing), then CORS's 403; the caller's stored roles (503); the body's size (413); the
// core's 400s, 405 and 406 (routeRequest, checkBody); the endpoint (its 400s, 403, the work).
import { forwardEngineCalls } from "../adapters/store.js";
import { internalError } from "../engine/errors.js";
import { guardKv } from "../kv-guard.js";
import { authenticateRequest, createRealms } from "./authentication.js";
import { loadStoredRoles } from "./authorization.js";
import { BodyTooLarge, fromEngineError, fromEnvelope, readBody, reply, toResponse } from "./http.js";
import { isConsolePath, serveConsole } from "./console-endpoints.js";
import * as infoEndpoints from "./info-endpoints.js";
import { unexpectedErrorLine } from "./log.js";
import { createLoginThrottle } from "./login-throttle.js";
import { clearRealmCache, realmEndpoint } from "./realm-endpoints.js";
import { getToken, invalidateToken } from "./token-endpoints.js";

// By the core's endpoint names; the native realm's users and roles all run as realmEndpoint.
const ENDPOINTS = { ...infoEndpoints, getToken, invalidateToken, clearRealmCache };

// checkBody checked the bytes are UTF-8; a leading BOM is the core's to skip (src/body_text.rs).
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

async function dispatch(ctx, request, { route, uri, connection, plain, cors, trail }) {
  if (route.preflight !== undefined) return fromEnvelope(route.preflight);
  const { principal, reply: refused } = await authenticateRequest(ctx, request, uri, connection);
  if (trail) Object.assign(trail, { principal, endpoint: route.endpoint, name: route.username });
  if (refused) return refused;
  if (cors?.forbidden !== undefined) return fromEnvelope(cors.forbidden);
  try {
    await loadStoredRoles(ctx, principal);
  } catch (error) {
    return ctx.unavailable(error);
  }

  let bytes;
  try {
    bytes = await readBody(request, ctx.maxBodyBytes, plain.bodyCoding);
  } catch (error) {
    if (error instanceof BodyTooLarge) return ctx.fail("BodyTooLarge");
    // The client went away mid-body, or sent a framing the platform refused: its request, not
    // ours, so the core's 400 and no log line (nobody may read the answer).
    return ctx.fail("UnreadableBody");
  }
  const problem = (bytes.length > 0 ? route.bodyProblem : route.problem) ?? ctx.engine.service.checkBody(bytes);
  if (problem !== undefined) return fromEnvelope(problem);
  const body = bytes.length > 0 ? textDecoder.decode(bytes) : "";
  if (trail) trail.body = body;
  const { endpoint, action, username: name } = route;
  try {
    return await (ENDPOINTS[endpoint] ?? realmEndpoint)(ctx, { principal, body, name, endpoint, action, uri, connection });
  } catch (error) {
    // ES's answers that an endpoint's core calls throw (4xx, GET's 404) are sent as they are.
    return fromEngineError(error);
  }
}

/**
 * The service for a config that readServiceConfig made: `(request, options?) => Promise<Response>`.
 * `options` is where a request came from, as its host vouches: the client's address (the socket's
 * peer in Node, CF-Connecting-IP on Workers; never an unchecked header) as the throttle keys it,
 * the host's `waitUntil`, and on Workers how a bulk invalidation goes on (worker.js).
 */
export function serviceHandler(boundEngine, config) {
  // Strong consistency (TOKEN_STORE = "durable_object"): the engine's four store calls run whole
  // in the TokenStore object, one at a time (one KV operation per round trip could interleave two).
  const engine = config.inDurableObject ? forwardEngineCalls(boundEngine) : boundEngine;
  // The service's own KV calls (users, login throttle) get the engine's deadline, so a hanging
  // store is a 503, never a hanging request. The throttle coalesces its writes: no 429 retries.
  const store = guardKv(config.kv);
  const now = () => boundEngine.clockNow(store);
  // The REST layer's headers by a reply's status (src/rest_reply.rs), the same for every request.
  const restHeaders = engine.service.restHeaders();
  const throttle = createLoginThrottle(boundEngine, guardKv(config.kv, { putRetries: 0 }), { now });
  const ctx = {
    engine,
    config,
    store,
    now,
    fail: (kind, ...args) => fromEnvelope(engine.service.restError(kind, ...args)),
    /** ES's 503 for a store call that failed (fail closed), with what failed. */
    unavailable: (/** @type {any} */ error) => ctx.fail("StoreUnavailable", error?.message ?? String(error)),
    maxBodyBytes: engine.service.maxBodyBytes(),
    cors: engine.service.corsEnabled(config.cors) ? config.cors : undefined,
    /** A body the core answered (a success comes without its envelope), with the core's REST headers. */
    reply: (status, body) => reply(status, body, restHeaders[status] ?? restHeaders.default),
    realms: createRealms(engine, config, { throttle, now }),
  };
  return async function handle(request, options) {
    // As sent: the core reads its case as ES does (fetch upper-cases only its six own methods).
    const { method } = request;
    let route;
    let out;
    let plain;
    let trail;
    try {
      const url = new URL(request.url);
      const { headers } = request;
      const { clientAddress, waitUntil, bulkInvalidation } = options ?? {};
      const background = typeof waitUntil === "function" ? waitUntil : undefined;
      // The request's abort signal: the login throttle lets go of an attempt whose client left.
      const { signal } = request;
      // A string as it is, else none (the wasm glue takes no other type): the core records and
      // reads it.
      const address = typeof clientAddress === "string" ? clientAddress : undefined;
      const connection = { clientAddress: address, waitUntil: background, bulkInvalidation, signal };
      if (ctx.config.console && isConsolePath(url.pathname)) return await serveConsole(ctx, request, url, connection);
      plain = ctx.engine.service.requestHeaders(headers);
      // ES quotes the request URI (path and query) in its messages.
      const uri = url.pathname + url.search;
      route = ctx.engine.service.route(method, url.pathname, uri, headers);
      // CORS (the core's decision): a preflight is answered first; other replies carry its headers.
      const cors = ctx.cors && ctx.engine.service.cors(ctx.cors, method, headers, headers.get("host") ?? url.host);
      if (cors?.early !== undefined) return toResponse(fromEnvelope(cors.early), route.responseType);
      // The audit trail (audit.js): what the request did, noted as it goes. The core reads the
      // credentials' kind and a Basic username from the header; the trail is never written.
      trail = ctx.config.audit && {
        origin_address: address,
        method,
        uri,
        opaque_id: plain.echo["X-Opaque-Id"],
        authorization: headers.get("authorization") ?? undefined,
      };
      out = await dispatch(ctx, request, { route, uri, connection, plain, cors, trail });
      if (cors) out = { ...out, headers: { ...out.headers, ...cors.headers } };
    } catch (error) {
      console.error(unexpectedErrorLine(error, plain?.traceId));
      try {
        out = ctx.fail("Internal");
      } catch {
        // The core itself failed (a trap): the JS copy of its 500, so this path never throws.
        out = fromEngineError(internalError());
      }
    }
    if (trail) ctx.config.audit(trail, out, now, options?.waitUntil);
    // filter_path and pretty: the core writes the body (never for the plain case).
    const { format, responseType = "application/json" } = route ?? {};
    const render = format && ((body, status) => ctx.engine.service.renderBody(format, status, JSON.stringify(body)));
    // X-Opaque-Id goes on every answer, errors included.
    return toResponse({ ...out, headers: { ...out.headers, ...plain?.echo } }, responseType, { head: method === "HEAD", render });
  };
}
