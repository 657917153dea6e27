// The Tokens page: invalidation in ES's five modes with its counts, and a token check.
import { call, reasonOf } from "./calls.js";
import { $, describe, showErrors } from "./dom.js";

export const INVALIDATE_LABELS = {
  token: "Access token",
  refresh_token: "Refresh token",
  username: "Username",
  realm_name: "Realm",
  both: "Username",
};

export async function invalidate(/** @type {HTMLFormElement} */ form) {
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

export async function check(/** @type {HTMLFormElement} */ form) {
  const token = /** @type {any} */ (form.elements).token.value.trim();
  const result = await call("GET", "/_security/_authenticate", undefined, { bearer: token });
  const description = result.challenge?.match(/error_description="([^"]*)"/)?.[1];
  $("check-result").textContent = result.ok
    ? `Valid: it belongs to ${result.data.username} (realm ${result.data.authentication_realm?.name}), roles ${result.data.roles.join(", ") || "none"}.`
    : `Refused: ${reasonOf(result)}${description ? ` (${description})` : ""}.`;
}
