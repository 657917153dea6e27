// POST /_security/realm/{realms}/_clear_cache: ES's API over this isolate's cache of logins
// (§17). The core owns the realms, the `usernames` parameter and the nodes response.
import { authorize } from "./authorization.js";
import { fromEnvelope } from "./http.js";

export async function clearRealmCache(ctx, { principal, params, uri }) {
  const denied = authorize(ctx, principal, "clearRealmCache");
  if (denied) return denied;
  return fromEnvelope(ctx.realms.cache.clear(params.realms, uri));
}
