// POST and DELETE /_security/oauth2/token: the host side of the engine's get-token, refresh and
// invalidate. The engine owns these bodies, says which endpoint's action a grant is authorized
// for and whether it authenticates the body's user (the password grant), and names whose token
// it is (the owner) and who may refresh it (the client: always the caller); this module runs
// that authentication.
//
// Order, as in ES: the body is parsed and validated (400) before the caller's privilege is
// checked (403), and for the password grant the user named in the body is authenticated last
// (401 for the token-create action). The core's 4xx are thrown, and sent by the handler.
import { passwordLogin } from "./authentication.js";
import { answer } from "./http.js";
import { authorize } from "./authorization.js";

export async function getToken(ctx, { principal, body, connection }) {
  const request = ctx.engine.service.tokenGrant(body);
  const { endpoint, username } = request;
  authorize(ctx, principal, endpoint);
  const refusal = ["UnableToAuthenticateForAction", username, endpoint];
  const found = request.login ? await passwordLogin(ctx, username, request.password, connection, ...refusal) : { principal };
  if (found.reply) return found.reply;
  const input = ctx.engine.service.grantRequest(request.grant_type, principal, found.principal, request.scope);
  const { kv, tokenTimeout: timeout, tokenSecret: secret } = ctx.config;
  const created =
    endpoint === "refreshToken"
      ? ctx.engine.refreshToken(kv, request.refresh_token, input, { timeout, secret })
      : ctx.engine.createToken(kv, input, { timeout });
  return ctx.reply(200, await created);
}

export async function invalidateToken(ctx, { principal, body, connection }) {
  // A bad body's 400 comes before the 403. The invalidation parses the body first and answers
  // those 400s itself, so a permitted caller's body is parsed once; the parse-only call runs
  // for a refused caller, and in front of a Durable Object (a bad body costs it no request).
  const { kv, inDurableObject } = ctx.config;
  try {
    authorize(ctx, principal, "invalidateToken");
  } catch (denied) {
    ctx.engine.parseInvalidateRequest(body);
    throw denied;
  }
  if (inDurableObject) ctx.engine.parseInvalidateRequest(body);
  // A 404 (nothing matched) rejects with the count object as its body; it is sent as it is.
  // On Workers (KV mode) a realm or user is invalidated in segments that each fit one
  // invocation's KV operations, the next ones through `bulk.next` (worker.js); elsewhere, and in
  // the Durable Object, the core runs them all in this call.
  const bulk = inDurableObject ? undefined : connection?.bulkInvalidation;
  if (bulk === undefined) return ctx.reply(200, await ctx.engine.invalidateToken(kv, body, {}));
  return answer(ctx, async () => {
    let out = await ctx.engine.invalidateToken(kv, body, { segmented: bulk.segmented });
    while (typeof out?.continuation === "string") out = await bulk.next(out.continuation);
    return ctx.reply(200, out);
  });
}
