// The Roles page: roles as ES's role API lists them (reserved ones marked), created, edited and
// deleted through it.
import { call, reasonOf, session } from "./calls.js";
import { $, busy, button, element, notify, row, showErrors } from "./dom.js";

export async function loadRoles() {
  await busy($("roles-table"), fillRoles);
}

async function fillRoles() {
  const result = await call("GET", "/_security/role");
  const body = $("roles-table").tBodies[0];
  $("role-form").hidden = !result.ok || !session.can.manage_security;
  if (!result.ok) return body.replaceChildren(row([`Roles cannot be listed here: ${reasonOf(result)}`]));
  body.replaceChildren(
    ...Object.entries(result.data).map(([name, role]) => {
      const reserved = role.metadata?._reserved === true;
      const tr = row([name, (role.cluster ?? []).join(", "), reserved ? "reserved" : "native"]);
      tr.dataset.role = name;
      const actions = element("td");
      if (!reserved && session.can.manage_security) {
        actions.append(button("Edit", () => editRole(name, role), `Edit ${name}`));
        actions.append(button("Delete", () => deleteRole(name), `Delete ${name}`));
      }
      tr.append(actions);
      return tr;
    }),
  );
}

function editRole(/** @type {string} */ name, /** @type {any} */ role) {
  const { cluster = [], ...rest } = role;
  const f = $("role-form").elements;
  f.name.value = name;
  f.cluster.value = cluster.join(", ");
  f.descriptor.value = JSON.stringify(rest, null, 1);
  f.name.focus();
}

export async function saveRole(/** @type {HTMLFormElement} */ form) {
  const f = /** @type {any} */ (form.elements);
  let rest;
  try {
    rest = JSON.parse(f.descriptor.value || "{}");
  } catch {
    return showErrors(form, { data: { error: "the descriptor is not valid JSON" } });
  }
  const cluster = f.cluster.value
    .split(",")
    .map((/** @type {string} */ p) => p.trim())
    .filter(Boolean);
  const result = await call("PUT", `/_security/role/${encodeURIComponent(f.name.value)}`, { ...rest, cluster });
  showErrors(form, result);
  if (result.ok) notify(`Role ${f.name.value} saved.`);
  await loadRoles();
}

async function deleteRole(/** @type {string} */ name) {
  if (!confirm(`Delete the role ${name}?`)) return;
  const result = await call("DELETE", `/_security/role/${encodeURIComponent(name)}`);
  notify(result.ok ? `Role ${name} deleted.` : reasonOf(result));
  await loadRoles();
}
