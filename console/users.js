// The Users page: the native realm's users, created, edited, enabled or disabled, deleted, and
// their passwords changed, through ES's user APIs.
import { call, reasonOf, session } from "./calls.js";
import { $, busy, button, element, notify, row, showErrors } from "./dom.js";

export async function loadUsers() {
  await busy($("users-table"), fillUsers);
}

async function fillUsers() {
  const result = await call("GET", "/_security/user");
  const body = $("users-table").tBodies[0];
  if (!result.ok) return body.replaceChildren(row([reasonOf(result)]));
  body.replaceChildren(
    ...Object.entries(result.data).map(([name, user]) => {
      const actions = element("td");
      if (session.can.manage_security) {
        actions.append(
          button("Edit", () => editUser(name, user), `Edit ${name}`),
          button("Password", () => askPassword(name), `Change the password of ${name}`),
          button(
            user.enabled ? "Disable" : "Enable",
            () => setEnabled(name, !user.enabled),
            `${user.enabled ? "Disable" : "Enable"} ${name}`,
          ),
          button("Delete", () => deleteUser(name), `Delete ${name}`),
        );
      }
      const cells = [name, user.full_name ?? "", (user.roles ?? []).join(", "), user.enabled ? "yes" : "no"];
      const tr = row(cells);
      tr.dataset.username = name;
      tr.append(actions);
      return tr;
    }),
  );
}

function editUser(/** @type {string} */ name, /** @type {any} */ user) {
  const form = $("user-form");
  $("user-form-title").textContent = `Edit ${name}`;
  form.elements.username.value = name;
  form.elements.password.value = "";
  form.elements.roles.value = (user.roles ?? []).join(", ");
  form.elements.full_name.value = user.full_name ?? "";
  form.elements.email.value = user.email ?? "";
  form.elements.metadata.value = JSON.stringify(user.metadata ?? {});
  form.elements.username.focus();
}

export async function saveUser(/** @type {HTMLFormElement} */ form) {
  const f = /** @type {any} */ (form.elements);
  let metadata;
  try {
    metadata = JSON.parse(f.metadata.value || "{}");
  } catch {
    return showErrors(form, { data: { error: "metadata is not valid JSON" } });
  }
  const roles = f.roles.value
    .split(",")
    .map((/** @type {string} */ r) => r.trim())
    .filter(Boolean);
  const user = { roles, full_name: f.full_name.value || null, email: f.email.value || null, metadata };
  if (f.password.value) Object.assign(user, { password: f.password.value });
  const result = await call("PUT", `/_security/user/${encodeURIComponent(f.username.value)}`, user);
  showErrors(form, result);
  if (!result.ok) return;
  notify(`User ${f.username.value} ${result.data.created ? "created" : "updated"}.`);
  form.reset();
  $("user-form-title").textContent = "Create a user";
  await loadUsers();
}

function askPassword(/** @type {string} */ name) {
  $("password-user").textContent = name;
  $("password-form").hidden = false;
  $("password-new").focus();
}

export async function changePassword(/** @type {HTMLFormElement} */ form) {
  const name = $("password-user").textContent;
  const path = `/_security/user/${encodeURIComponent(name)}/_password`;
  const result = await call("POST", path, { password: $("password-new").value });
  showErrors(form, result);
  if (!result.ok) return;
  form.reset();
  form.hidden = true;
  notify(`The password of ${name} is changed.`);
}

async function setEnabled(/** @type {string} */ name, /** @type {boolean} */ enabled) {
  const result = await call("PUT", `/_security/user/${encodeURIComponent(name)}/${enabled ? "_enable" : "_disable"}`);
  notify(result.ok ? `User ${name} ${enabled ? "enabled" : "disabled"}.` : reasonOf(result));
  await loadUsers();
}

async function deleteUser(/** @type {string} */ name) {
  if (!confirm(`Delete the user ${name}? Their tokens stay valid until they expire or are invalidated.`)) return;
  const result = await call("DELETE", `/_security/user/${encodeURIComponent(name)}`);
  notify(result.ok ? `User ${name} deleted.` : reasonOf(result));
  await loadUsers();
}
