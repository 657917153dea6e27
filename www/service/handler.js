// createHandler(env): the whole service as one `(Request) => Promise<Response>`, the same on
// workerd, Node, Deno and Bun. The steps run in the order Elasticsearch 8/9 runs them:
//   OPTIONS        answered from the route table, without credentials
//   authenticate   401 (ES authenticates on the headers, before routing)
//   body size      413
//   route          400 "no handler found" / 405 wrong method
//   content type   406, only when there is a body
//   endpoint       its own 400s, then authorization (403), then the work
import { authenticateRequest, createRealms } from "./authentication.js";
import { readConfig } from "./config.js";
import {
  BodyTooLarge,
  MAX_BODY_BYTES,
  contentTypeProblem,
  internalError,
  methodNotAllowed,
  noHandler,
  readBody,
  reply,
  responseMediaType,
  toResponse,
  tooLarge,
} from "./http.js";
import { authenticate, info } from "./info-api.js";
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

  const caller = await authenticateRequest(ctx.api, ctx.realms, request, uri);
  if (caller.reply) return caller.reply;

  let body;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLarge) return tooLarge();
    throw error;
  }

  if (match.kind === "none") return noHandler(uri, method);
  if (match.kind === "method") return methodNotAllowed(uri, method, match.allowed);
  if (body !== "") {
    const problem = contentTypeProblem(request.headers.get("content-type"));
    if (problem) return problem;
  }
  return ENDPOINTS[match.endpoint](ctx, { principal: caller.principal, body, params: match.params, uri });
}

/**
 * Builds the service for one env (`{ TOKENS, ELASTIC_PASSWORD, TOKEN_TIMEOUT, ROLES }`) on top of
 * a bound engine API. Throws ConfigError for a bad env, so a misconfiguration shows at start-up.
 */
export function createServiceHandler(api, env) {
  const config = readConfig(env);
  const ctx = { api, config, realms: createRealms(config) };
  return async function handle(request) {
    const mediaType = responseMediaType(request.headers);
    const head = request.method.toUpperCase() === "HEAD";
    let out;
    try {
      out = await dispatch(ctx, request);
    } catch (error) {
      // Only the error's class and message: they never carry a password or a token.
      console.error(`edge-token: unexpected ${error?.name ?? "error"}: ${error?.message ?? ""}`);
      out = internalError();
    }
    return toResponse(out, mediaType, { head });
  };
}
