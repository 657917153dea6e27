// POST and DELETE /_security/oauth2/token: the host side of the engine's get-token, refresh and
// invalidate. The engine owns the wire format of these bodies; this module decides who may call,
// whose token it is (the owner) and who may refresh it (the client: always the caller).
//
// Order, as in ES: the body is parsed and validated (400) before the caller's privilege is
// checked (403), and for the password grant the user named in the body is authenticated last
// (401 for the token-create action).
import { authenticatePassword } from "./authentication.js";
import { DurableObjectStore } from "../adapters/store.js";
import { answer, fromEngineError, reply } from "./http.js";
import { authorize } from "./authorization.js";

/** The caller as the `client` of a token: only this user in this realm may refresh it. */
function clientOf(principal) {
  return { username: principal.username, realm: principal.authentication_realm };
}

/** The fields of an _authenticate body that make a token's owner. */
function ownerOf(user) {
  return {
    username: user.username,
    realm: user.authentication_realm,
    lookup_realm: user.lookup_realm,
    roles: user.roles,
    full_name: user.full_name,
    email: user.email,
    metadata: user.metadata,
    enabled: user.enabled,
  };
}

function timeoutOptions(ctx) {
  return ctx.config.tokenTimeout === undefined ? {} : { timeout: ctx.config.tokenTimeout };
}

async function engineCall(promise) {
  try {
    return reply(200, await promise);
  } catch (error) {
    return fromEngineError(error);
  }
}

export async function getToken(ctx, { principal, body, connection }) {
  let request;
  try {
    request = ctx.engine.parseTokenRequest(body);
  } catch (error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, request.grant_type === "refresh_token" ? "refreshToken" : "createToken");
  if (denied) return denied;

  const { kv } = ctx.config;
  const scope = request.scope === undefined ? {} : { scope: request.scope };
  switch (request.grant_type) {
    case "refresh_token":
      return engineCall(
        ctx.engine.refreshToken(kv, request.refresh_token, clientOf(principal), {
          ...timeoutOptions(ctx),
          secret: ctx.config.tokenSecret,
        }),
      );
    case "client_credentials":
      // The caller's own token; a caller who came with a bearer token is echoed as such.
      return engineCall(
        ctx.engine.createToken(
          kv,
          {
            grant_type: "client_credentials",
            ...ownerOf(principal),
            client: clientOf(principal),
            authentication_type: principal.authentication_type === "token" ? "token" : "realm",
            ...scope,
          },
          timeoutOptions(ctx),
        ),
      );
    case "password": {
      const found = await authenticatePassword(ctx.realms, request.username, request.password, connection);
      if (found.storeError !== undefined) return ctx.fail("StoreUnavailable", found.storeError);
      if (!found.principal)
        return ctx.fail("UnableToAuthenticateForAction", request.username, ctx.engine.actionName("createToken"));
      return engineCall(
        ctx.engine.createToken(
          kv,
          { grant_type: "password", ...ownerOf(found.principal), client: clientOf(principal), ...scope },
          timeoutOptions(ctx),
        ),
      );
    }
    default:
      // parseTokenRequest answers every other grant itself; this is unreachable by design.
      throw new Error(`unexpected grant_type from the engine: ${request.grant_type}`);
  }
}

export async function invalidateToken(ctx, { principal, body, connection }) {
  // A bad body's 400 comes before the 403. The invalidation parses the body first and answers
  // those 400s itself, so a permitted caller's body is parsed once; the parse-only call runs
  // for a refused caller, and in front of a Durable Object (a bad body costs it no request).
  const { kv } = ctx.config;
  const denied = authorize(ctx, principal, "invalidateToken");
  if (denied || kv instanceof DurableObjectStore) {
    try {
      ctx.engine.parseInvalidateRequest(body);
    } catch (error) {
      return fromEngineError(error);
    }
    if (denied) return denied;
  }
  // A 404 (nothing matched) rejects with the count object as its body; it is sent as it is.
  // On Workers (KV mode) a realm or user is invalidated in segments that each fit one
  // invocation's KV operations, the next ones through `bulk.next` (worker.js); elsewhere, and in
  // the Durable Object, the core runs them all in this call.
  const bulk = kv instanceof DurableObjectStore ? undefined : connection?.bulkInvalidation;
  if (bulk === undefined) return engineCall(ctx.engine.invalidateToken(kv, body, {}));
  return answer(ctx, async () => {
    let out = await ctx.engine.invalidateToken(kv, body, { segmented: bulk.segmented });
    while (typeof out?.continuation === "string") out = await bulk.next(out.continuation);
    return reply(200, out);
  });
}
