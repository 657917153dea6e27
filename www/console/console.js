// The operator console, in the browser. It speaks only the service's own Elasticsearch APIs (and
// /_console/settings), as any client would: a password grant signs in, the access token lives in
// this module's memory only (never localStorage, sessionStorage or a cookie, so a reload signs
// out), the refresh token renews it before it expires, and signing out invalidates both.

/** @type {{token: string|null, refresh: string|null, timer: any, can: Record<string, boolean>}} */
const session = { token: null, refresh: null, timer: undefined, can: {} };
const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const all = (/** @type {string} */ selector) => /** @type {HTMLElement[]} */ ([...document.querySelectorAll(selector)]);

// ---- calls ----

/** base64 of the UTF-8 bytes (btoa alone takes Latin-1 only). */
const base64 = (/** @type {string} */ text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/**
 * One API call: `{ok, status, data, challenge}`; `auth` is `{basic: [user, password]}`,
 * `{bearer: token}` or, by default, the session's token.
 * @param {string} method @param {string} path @param {unknown} [body] @param {any} [auth]
 */
async function call(method, path, body, auth = { bearer: session.token }) {
  const headers = /** @type {Record<string, string>} */ ({ Accept: "application/json" });
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth.basic) headers.Authorization = `Basic ${base64(auth.basic.join(":"))}`;
  else if (auth.bearer) headers.Authorization = `Bearer ${auth.bearer}`;
  const init = { method, headers, credentials: /** @type {const} */ ("omit"), cache: /** @type {const} */ ("no-store") };
  const response = await fetch(path, body === undefined ? init : { ...init, body: JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, data, challenge: response.headers.get("WWW-Authenticate") };
}

/** ES's reason for a failed call (the root cause's when there is one). */
function reasonOf(/** @type {any} */ result) {
  const error = result.data?.error;
  if (typeof error === "string") return error;
  return error?.root_cause?.[0]?.reason ?? error?.reason ?? `HTTP ${result.status}`;
}

function notify(/** @type {string} */ text) {
  $("notice").textContent = text;
}

// ---- session ----

async function signIn(/** @type {string} */ username, /** @type {string} */ password) {
  const grant = { grant_type: "password", username, password };
  const result = await call("POST", "/_security/oauth2/token", grant, { basic: [username, password] });
  if (!result.ok) return reasonOf(result);
  adopt(result.data);
  await start();
  return null;
}

/** Keeps a token pair and schedules its refresh a minute before expiry (or at 80% of short lives). */
function adopt(/** @type {any} */ pair) {
  session.token = pair.access_token;
  session.refresh = pair.refresh_token ?? session.refresh;
  clearTimeout(session.timer);
  const seconds = Number(pair.expires_in) || 60;
  session.timer = setTimeout(refresh, Math.max(5, Math.min(seconds - 60, seconds * 0.8)) * 1000);
}

async function refresh() {
  const result = await call("POST", "/_security/oauth2/token", { grant_type: "refresh_token", refresh_token: session.refresh });
  if (result.ok) adopt(result.data);
  else end(`The session could not be renewed (${reasonOf(result)}). Sign in again.`);
}

async function signOut() {
  // The refresh token first: invalidating the access token first would leave nothing to call with.
  if (session.refresh) await call("DELETE", "/_security/oauth2/token", { refresh_token: session.refresh });
  if (session.token) await call("DELETE", "/_security/oauth2/token", { token: session.token });
  end("Signed out; both tokens are invalidated.");
}

function end(/** @type {string} */ message) {
  clearTimeout(session.timer);
  Object.assign(session, { token: null, refresh: null, can: {} });
  $("whoami").hidden = true;
  $("pages").hidden = true;
  for (const page of all(".page")) page.hidden = true;
  $("sign-in").hidden = false;
  notify(message);
}

/** What the signed-in user may do: the pages and buttons shown follow it (the server decides anyway). */
async function loadPrivileges() {
  const cluster = ["read_security", "manage_security", "manage_token", "monitor"];
  const result = await call("POST", "/_security/user/_has_privileges", { cluster });
  session.can = Object.fromEntries(cluster.map((name) => [name, result.ok ? result.data.cluster?.[name] === true : true]));
  session.can.read_security ||= session.can.manage_security;
}

async function start() {
  const me = await call("GET", "/_security/_authenticate");
  await loadPrivileges();
  $("sign-in").hidden = true;
  $("whoami-name").textContent = me.data?.username ?? "";
  $("whoami").hidden = false;
  $("pages").hidden = false;
  for (const button of all("#pages button")) {
    const needs = button.dataset.needs;
    button.hidden = needs !== undefined && !session.can[needs];
  }
  for (const el of all("[data-write]")) el.hidden = !session.can.manage_security;
  notify("");
  show("me");
}

// ---- pages ----

/** @type {Record<string, () => Promise<void>>} */
const LOADERS = { me: loadMe, users: loadUsers, roles: loadRoles, tokens: async () => {}, health: loadHealth };

async function show(/** @type {string} */ name) {
  for (const button of all("#pages button")) {
    const current = button.dataset.page === name;
    if (current) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const page of all(".page")) page.hidden = page.id !== `page-${name}`;
  await LOADERS[name]?.();
}

/** Fills a <dl> from [term, value] pairs. */
function describe(/** @type {HTMLElement} */ list, /** @type {[string, unknown][]} */ pairs) {
  list.replaceChildren(
    ...pairs.flatMap(([term, value]) => [element("dt", term), element("dd", value === undefined ? "—" : String(value))]),
  );
}

function element(/** @type {string} */ tag, /** @type {string} */ text = "", attributes = {}) {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  return el;
}

function button(/** @type {string} */ text, /** @type {() => unknown} */ action, label = text) {
  const el = element("button", text, { type: "button", "aria-label": label });
  el.addEventListener("click", () => action());
  return el;
}

async function loadMe() {
  const me = await call("GET", "/_security/_authenticate");
  const user = me.data ?? {};
  describe($("me-summary"), [
    ["Username", user.username],
    ["Full name", user.full_name ?? undefined],
    ["Roles", (user.roles ?? []).join(", ")],
    ["Realm", user.authentication_realm?.name],
    ["Authenticated by", user.authentication_type],
  ]);
  $("me-json").textContent = JSON.stringify(user, null, 2);
}

async function loadHealth() {
  const [info, health, settings] = await Promise.all([
    call("GET", "/"),
    call("GET", "/_cluster/health"),
    call("GET", "/_console/settings"),
  ]);
  describe($("health-summary"), [
    ["Store answers", health.ok ? health.data.status : `no (${reasonOf(health)})`],
    ["Elasticsearch API version", info.data?.version?.number],
    ["Store mode", settings.data?.store],
    ["Token lifetime", settings.data?.token_timeout ?? "Elasticsearch's default (20m)"],
    ["Audit trail", settings.data?.audit_trail ? "on" : "off"],
    ["edge-token version", settings.data?.version],
  ]);
}

// ---- users ----

async function loadUsers() {
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

/** Runs `fill` with `el` marked aria-busy, so that assistive technology (and tests) wait for it. */
async function busy(/** @type {HTMLElement} */ el, /** @type {() => Promise<unknown>} */ fill) {
  el.setAttribute("aria-busy", "true");
  try {
    await fill();
  } finally {
    el.removeAttribute("aria-busy");
  }
}

function row(/** @type {string[]} */ cells) {
  const tr = element("tr");
  tr.append(...cells.map((text) => element("td", text)));
  return tr;
}

/** Shows ES's validation reasons next to the field they name, the rest under the form. */
function showErrors(/** @type {HTMLFormElement} */ form, /** @type {any} */ result) {
  for (const slot of form.querySelectorAll(".error")) slot.textContent = "";
  if (result.ok) return;
  const reason = reasonOf(result);
  const field = ["username", "password", "metadata"].find((name) => reason.toLowerCase().includes(name));
  const slot = form.querySelector(`.error[data-for="${field ?? "form"}"]`) ?? form.querySelector('.error[data-for="form"]');
  if (slot) slot.textContent = reason;
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

async function saveUser(/** @type {HTMLFormElement} */ form) {
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

async function changePassword(/** @type {HTMLFormElement} */ form) {
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

// ---- roles ----

async function loadRoles() {
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

async function saveRole(/** @type {HTMLFormElement} */ form) {
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

// ---- tokens ----

const INVALIDATE_LABELS = {
  token: "Access token",
  refresh_token: "Refresh token",
  username: "Username",
  realm_name: "Realm",
  both: "Username",
};

async function invalidate(/** @type {HTMLFormElement} */ form) {
  const f = /** @type {any} */ (form.elements);
  const by = f.by.value;
  const body = by === "both" ? { username: f.value.value, realm_name: f.realm.value } : { [by]: f.value.value };
  const result = await call("DELETE", "/_security/oauth2/token", body);
  showErrors(form, result);
  const counts = result.data ?? {};
  describe(
    $("invalidate-counts"),
    result.ok || counts.invalidated_tokens !== undefined
      ? [
          ["Invalidated", counts.invalidated_tokens],
          ["Previously invalidated", counts.previously_invalidated_tokens],
          ["Errors", counts.error_count],
        ]
      : [],
  );
}

async function check(/** @type {HTMLFormElement} */ form) {
  const token = /** @type {any} */ (form.elements).token.value.trim();
  const result = await call("GET", "/_security/_authenticate", undefined, { bearer: token });
  const description = result.challenge?.match(/error_description="([^"]*)"/)?.[1];
  $("check-result").textContent = result.ok
    ? `Valid: it belongs to ${result.data.username} (realm ${result.data.authentication_realm?.name}), roles ${result.data.roles.join(", ") || "none"}.`
    : `Refused: ${reasonOf(result)}${description ? ` (${description})` : ""}.`;
}

// ---- wiring ----

/** Binds a form's submit to `action`, never letting the browser submit it itself. */
function onSubmit(/** @type {string} */ id, /** @type {(form: HTMLFormElement) => Promise<unknown>} */ action) {
  $(id).addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    form.setAttribute("aria-busy", "true");
    try {
      await action(form);
    } catch (error) {
      notify(`The request failed: ${/** @type {Error} */ (error).message}`);
    } finally {
      form.removeAttribute("aria-busy");
    }
  });
}

onSubmit("sign-in-form", async (form) => {
  const f = /** @type {any} */ (form.elements);
  $("sign-in-error").textContent = (await signIn(f.username.value, f.password.value)) ?? "";
  f.password.value = "";
});
onSubmit("user-form", saveUser);
onSubmit("password-form", changePassword);
onSubmit("role-form", saveRole);
onSubmit("invalidate-form", invalidate);
onSubmit("check-form", check);
$("sign-out").addEventListener("click", signOut);
$("password-cancel").addEventListener("click", () => ($("password-form").hidden = true));
$("pages").addEventListener("click", (/** @type {MouseEvent} */ event) => {
  const page = /** @type {HTMLElement} */ (event.target).closest("button")?.dataset.page;
  if (page) show(page);
});
$("invalidate-by").addEventListener("change", (/** @type {Event} */ event) => {
  const by = /** @type {HTMLSelectElement} */ (event.target).value;
  $("invalidate-value-label").textContent = INVALIDATE_LABELS[/** @type {keyof typeof INVALIDATE_LABELS} */ (by)];
  $("invalidate-realm-field").hidden = by !== "both";
});
