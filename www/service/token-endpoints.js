// POST and DELETE /_security/oauth2/token: the host side of the engine's get-token, refresh and
// invalidate. The engine owns these bodies, says which endpoint's action a grant is authorized
// for and whether it authenticates the body's user (the password grant: this module runs that
// authentication), and names the token's owner and its client (who may refresh it: the caller).
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

export async function invalidateToken(ctx, { principal, body, connection, action }) {
  // ES parses the body before it authorizes: a bad body's 400 comes before the 403 (and costs a
  // Durable Object no request). The invalidation parses it again (about 5 µs).
  ctx.engine.parseInvalidateRequest(body);
  authorize(ctx, principal, action);
  const { kv, inDurableObject } = ctx.config;
  // A 404 (nothing matched) rejects with the count object as its body, sent as it is. On Workers
  // (KV mode) a realm or user is invalidated in segments that each fit one invocation's KV
  // operations, the next through `bulk.next` (worker.js); elsewhere the core runs them all here.
  const bulk = inDurableObject ? undefined : connection?.bulkInvalidation;
  if (bulk === undefined) return ctx.reply(200, await ctx.engine.invalidateToken(kv, body, {}));
  return answer(ctx, async () => {
    let out = await ctx.engine.invalidateToken(kv, body, { segmented: bulk.segmented });
    while (typeof out?.continuation === "string") out = await bulk.next(out.continuation);
    return ctx.reply(200, out);
  });
}
