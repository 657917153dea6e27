// createHandler(env): the whole service as one `(Request) => Promise<Response>`, the same on
// workerd, Node, Deno and Bun. The steps run in the order Elasticsearch 8/9 runs them:
//   OPTIONS        answered from the route table, without credentials
//   authenticate   401 (ES authenticates on the headers, before routing)
//   body size      413
//   route          400 "no handler found" / 405 wrong method
//   content type   406, only when there is a body
//   body           400 for a body on an endpoint that reads none, or bytes that are not UTF-8
//   endpoint       its own 400s, then authorization (403), then the work
import { DurableObjectStore, forwardEngineCalls } from "../adapters/store.js";
import { INTERNAL_ERROR_BODY } from "../engine/errors.js";
import { guardKv } from "../kv-guard.js";
import { authenticateRequest, createRealms } from "./authentication.js";
import { ConfigError, checkEngineSettings, readConfig } from "./config.js";
import { BodyTooLarge, fromEnvelope, isAcceptedBodyType, readBody, reply, responseMediaType, toResponse } from "./http.js";
import { authenticate, info } from "./info-api.js";
import { unexpectedErrorLine } from "./log.js";
import { createLoginThrottle } from "./login-throttle.js";
import { route } from "./router.js";
import { getToken, invalidateToken } from "./token-api.js";
import { deleteUser, getUsers, putUser } from "./user-api.js";

const ENDPOINTS = { info, authenticate, getToken, invalidateToken, getUsers, putUser, deleteUser };

function optionsReply(match) {
  const headers = match.kind === "none" ? {} : { Allow: (match.allowed ?? []).join(",") };
  return reply(200, undefined, headers);
}

async function dispatch(ctx, request) {
  const url = new URL(request.url);
  // ES quotes the request URI (path and query) in its messages.
  const uri = url.pathname + url.search;
  const method = request.method.toUpperCase();
  const match = route(url.pathname, method);

  if (method === "OPTIONS" && match.kind !== "ok") return optionsReply(match);

  const caller = await authenticateRequest(ctx, request, uri);
  if (caller.reply) return caller.reply;

  let bytes;
  try {
    bytes = await readBody(request, ctx.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) return ctx.fail("BodyTooLarge");
    throw error;
  }

  if (match.kind === "none") return ctx.fail("NoHandler", uri, method);
  if (match.kind === "method") return ctx.fail("MethodNotAllowed", uri, method, ...match.allowed);
  if (bytes.length > 0) {
    const contentType = request.headers.get("content-type");
    if (!isAcceptedBodyType(contentType)) return ctx.fail("ContentTypeNotSupported", ...(contentType === null ? [] : [contentType]));
    if (!match.readsBody) return ctx.fail("BodyNotSupported", method, url.pathname);
  }
  const problem = ctx.engine.service.checkBody(bytes);
  if (problem !== undefined) return fromEnvelope(problem);
  const body = textDecoder.decode(bytes);
  return ENDPOINTS[match.endpoint](ctx, { principal: caller.principal, body, params: match.params, uri });
}

/** The core's 500; its JS copy when the core itself is what failed. */
function internalError(ctx) {
  try {
    return ctx.fail("Internal");
  } catch {
    return reply(500, structuredClone(INTERNAL_ERROR_BODY));
  }
}

// The core has checked that the bytes are UTF-8 (checkBody); a leading BOM is dropped, as
// Jackson drops it.
const textDecoder = new TextDecoder("utf-8");

/** The clock of the KV binding when it has one (MemoryKV's injectable clock), else the real one. */
function clockOf(kv) {
  return typeof kv.now === "function" ? () => kv.now() : Date.now;
}

/**
 * Builds the service for one env (`{ TOKENS, ELASTIC_PASSWORD, TOKEN_SECRET, TOKEN_TIMEOUT, ROLES }`, or
 * `TOKEN_STORE: "durable_object"` with `TOKEN_DO` in place of `TOKENS`) on top of a bound
 * engine. Throws ConfigError for a bad env, so a misconfiguration shows at start-up; the error
 * carries the core's 500 for it (`reply`), which a Worker answers every request with.
 */
export function createServiceHandler(engine, env) {
  try {
    return buildHandler(engine, env);
  } catch (error) {
    if (error instanceof ConfigError) error.reply = fromEnvelope(engine.service.restError("Settings", error.message));
    throw error;
  }
}

function buildHandler(engineApi, env) {
  const config = readConfig(env);
  // Strong consistency mode (TOKEN_STORE = "durable_object"): the engine's four store calls run
  // whole inside the TokenStore object, one at a time, never one KV operation per round trip
  // (that would let two calls interleave between a read and its write). Decided here, once per
  // env, from the store config resolved: in the default KV mode `api` is the engine API itself,
  // so the Node, web and workerd entries run exactly as before.
  const api = config.kv instanceof DurableObjectStore ? forwardEngineCalls(engineApi) : engineApi;
  checkEngineSettings(api, config);
  // The service's own KV calls (users, login throttle) get the deadline the engine's calls get,
  // so a hanging store is a 503, never a hanging request. The throttle does not retry a 429: it
  // coalesces its writes instead.
  const store = guardKv(config.kv);
  const throttle = createLoginThrottle(guardKv(config.kv, { putRetries: 0 }), { now: clockOf(config.kv) });
  const fail = (kind, ...args) => fromEnvelope(api.service.restError(kind, ...args));
  const ctx = { api, engine: api, config, store, fail, maxBodyBytes: api.service.maxBodyBytes(), realms: createRealms(config, { store, throttle }) };
  return async function handle(request) {
    const mediaType = responseMediaType(request.headers);
    const head = request.method.toUpperCase() === "HEAD";
    let out;
    try {
      out = await dispatch(ctx, request);
    } catch (error) {
      console.error(unexpectedErrorLine(error));
      out = internalError(ctx);
    }
    return toResponse(out, mediaType, { head });
  };
}
