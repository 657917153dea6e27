// GET /_security/_authenticate and GET|HEAD /: who the caller is, and what this server is.
import { reply } from "./http.js";
import { authorize } from "./authorization.js";

/**
 * The Elasticsearch version whose REST API this service speaks, for GET /. Clients read
 * `version.number`, `build_flavor` and `tagline` in their product checks.
 */
export const COMPATIBLE_ES_VERSION = "9.0.0";

/** Any authenticated caller may ask who they are (ES's same-user exemption). */
export async function authenticate(_ctx, { principal }) {
  return reply(200, principal);
}

export async function info(ctx, { principal }) {
  const denied = authorize(ctx, principal, "main");
  if (denied) return denied;
  return reply(200, {
    name: "edge-token",
    cluster_name: "edge-token",
    cluster_uuid: "_na_",
    version: {
      number: COMPATIBLE_ES_VERSION,
      build_flavor: "default",
      build_type: "edge-token",
      build_hash: "unknown",
      build_date: "unknown",
      build_snapshot: false,
      lucene_version: "unknown",
      minimum_wire_compatibility_version: "unknown",
      minimum_index_compatibility_version: "unknown",
    },
    tagline: "You Know, for Search",
  });
}
