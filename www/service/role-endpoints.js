// PUT/POST, GET and DELETE /_security/role/{name} and GET /_security/role (§14): roles stored in
// the native realm. The core (`ctx.engine`) owns every rule, key and body; this module does the
// KV reads and writes between its calls.
import { endpoint } from "./authorization.js";
import { reply } from "./http.js";
import { readValues, remove } from "./users.js";

export const putRole = endpoint(
  "putRole",
  async ({ engine, store }, _, stored) => {
    const existing = (await store.get(stored.key)) ?? null;
    await store.put(stored.key, stored.value);
    return reply(200, engine.putRoleAnswer(existing));
  },
  { parse: (engine, { params, body }) => engine.parsePutRole(params.name, body) },
);

export const getRoles = endpoint("getRoles", async ({ engine, store }, { params }) => {
  const names = params.name ?? null;
  return reply(200, engine.roleViews(names, await readValues(store, engine.roleLookup(names))));
});

export const deleteRole = endpoint("deleteRole", async ({ engine, store }, { params }) => {
  const found = await remove(store, engine.deleteRolePlan(params.name).key);
  return reply(found ? 200 : 404, { found });
});
