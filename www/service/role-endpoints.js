// PUT/POST, GET and DELETE /_security/role/{name} and GET /_security/role (§14): roles stored in
// the native realm, run as its users' endpoints are (src/realm_endpoints.rs).
import { realmEndpoint } from "./user-endpoints.js";

export const putRole = realmEndpoint("putRole", "name");
export const getRoles = realmEndpoint("getRoles", "name");
export const deleteRole = realmEndpoint("deleteRole", "name");
