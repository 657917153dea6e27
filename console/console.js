// The operator console, in the browser. It speaks only the service's own Elasticsearch APIs (and
// /_console/settings), as any client would: a password grant signs in, the access token lives in
// this module's memory only (never localStorage, sessionStorage or a cookie, so a reload signs
// out), the refresh token renews it before it expires, and signing out invalidates both.

import { call, reasonOf, session } from "./calls.js";
import { $, all, describe, notify, onSubmit } from "./dom.js";
import { loadRoles, saveRole } from "./roles.js";
import { INVALIDATE_LABELS, check, invalidate } from "./tokens.js";
import { changePassword, loadUsers, saveUser } from "./users.js";

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

// ---- wiring ----

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
