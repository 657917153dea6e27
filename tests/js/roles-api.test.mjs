// parseRoles and authorize: the wrapper against a fake raw module (arguments, errors, traps, a
// table left behind by a replaced instance), then the real engine, including a real reset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";

const envelope = (status, body) => JSON.stringify({ status, headers: {}, body });
const DENIED = {
  error: { root_cause: [{ type: "security_exception", reason: "no" }], type: "security_exception", reason: "no" },
  status: 403,
};

/** A raw module with a Roles class; `behaviour` decides what parse and authorize do. */
function fakeRaw(behaviour = {}) {
  const calls = [];
  class Roles {
    constructor(text) {
      this.text = text;
      this.stale = false;
    }
    static parse(text) {
      calls.push(["parse", text]);
      behaviour.parse?.(text);
      return new Roles(text);
    }
    authorize(...args) {
      calls.push(["authorize", this.text, ...args]);
      if (this.stale) throw new Error("Invalid stale object from previous Wasm instance");
      return behaviour.authorize?.(...args);
    }
  }
  return { raw: { Roles }, calls };
}

test("parseRoles hands the core the setting as JSON text", () => {
  const { raw, calls } = fakeRaw();
  const api = bindGlue(raw);
  api.parseRoles('{"r": {}}');
  api.parseRoles({ r: { cluster: ["all"], metadata: undefined }, s: undefined });
  api.parseRoles(undefined);
  api.parseRoles(null);
  api.parseRoles(5);
  assert.deepEqual(
    calls.map(([, text]) => text),
    ['{"r": {}}', '{"r":{"cluster":["all"],"metadata":null},"s":null}', "", "", "5"],
  );
});

test("the core's message reaches the caller; a trap is a 500 and a fresh instance", () => {
  let reinits = 0;
  const { raw } = fakeRaw({
    parse: (text) => {
      if (text === "trap") throw new WebAssembly.RuntimeError("unreachable");
      if (text !== "") throw new Error("ROLES: invalid role name [ x]");
    },
  });
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  assert.throws(
    () => api.parseRoles('{" x": {}}'),
    (e) => !(e instanceof EdgeTokenError) && e.message === "ROLES: invalid role name [ x]",
  );
  assert.equal(reinits, 0);
  assert.throws(
    () => api.parseRoles("trap"),
    (e) => e instanceof EdgeTokenError && e.status === 500,
  );
  assert.equal(reinits, 1);
  assert.equal(String(api.parseRoles("")), "[object Roles]");
});

test("authorize returns nothing when allowed and throws the core's 403 when not", () => {
  const { raw, calls } = fakeRaw({ authorize: (username) => (username === "denied" ? envelope(403, DENIED) : undefined) });
  const api = bindGlue(raw);
  const roles = api.parseRoles("{}");
  assert.equal(api.authorize(roles, "ok", ["a", "b"], "putUser"), undefined);
  assert.equal(api.authorize(roles, "ok", undefined, "main"), undefined);
  assert.throws(
    () => api.authorize(roles, "denied", [], "main"),
    (e) => e instanceof EdgeTokenError && e.status === 403 && e.message === "no",
  );
  assert.deepEqual(calls.slice(1, 3), [
    ["authorize", "{}", "ok", '["a","b"]', "putUser"],
    ["authorize", "{}", "ok", "[]", "main"],
  ]);
  assert.throws(() => api.authorize({}, "u", [], "main"), TypeError);
  assert.throws(() => api.authorize(roles, 1, [], "main"), TypeError);
});

test("a table of a replaced instance is parsed again from its text, once", () => {
  const { raw, calls } = fakeRaw();
  const api = bindGlue(raw);
  const roles = api.parseRoles('{"r": {}}');
  // What the glue does after __wbg_reset_state: the old object is refused.
  const original = raw.Roles.prototype.authorize;
  let refusedOnce = false;
  raw.Roles.prototype.authorize = function (...args) {
    if (!refusedOnce) {
      refusedOnce = true;
      this.stale = true;
    }
    return original.apply(this, args);
  };
  assert.equal(api.authorize(roles, "u", [], "main"), undefined);
  assert.deepEqual(
    calls.map(([name]) => name),
    ["parse", "authorize", "parse", "authorize"],
  );
  assert.equal(calls[2][1], '{"r": {}}');
  // The new table stays: the next call parses nothing.
  api.authorize(roles, "u", [], "main");
  assert.equal(calls.filter(([name]) => name === "parse").length, 2);
});

test("the engine's role table, across a real reset of the wasm instance", async () => {
  const glue = await import("../../dist/wasm/edge_token.js");
  const { readFileSync } = await import("node:fs");
  glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("../../dist/wasm/edge_token_bg.wasm", import.meta.url))) });
  const api = bindGlue(glue);
  const roles = api.parseRoles({ token_admin: { cluster: ["manage_token"] } });
  assert.equal(api.authorize(roles, "t", ["token_admin"], "createToken"), undefined);
  const reason =
    "action [cluster:admin/xpack/security/user/put] is unauthorized for user [t] with effective roles [token_admin] (assigned roles [gone] were not found), this action is granted by the cluster privileges [manage_security,all]";
  const denied = (e) =>
    e instanceof EdgeTokenError &&
    e.status === 403 &&
    e.body.error.reason === reason &&
    e.body.error.root_cause[0].reason === reason;
  assert.throws(() => api.authorize(roles, "t", ["token_admin", "gone"], "putUser"), denied);

  glue.__wbg_reset_state();
  assert.equal(api.authorize(roles, "t", ["token_admin"], "invalidateToken"), undefined);
  assert.throws(() => api.authorize(roles, "t", ["token_admin", "gone"], "putUser"), denied);

  // An unknown endpoint is a host bug: a 500, never a 403 that reads as a denial.
  assert.throws(
    () => api.authorize(roles, "t", [], "nope"),
    (e) => e instanceof EdgeTokenError && e.status === 500,
  );
  assert.throws(() => api.parseRoles('{"r": {"cluster": "all"}}'), {
    message: "ROLES: [cluster] of role [r] must be an array of strings",
  });
  // Text that is not ASCII is lower-cased by the host's toLowerCase, as before (Kelvin sign to `k`).
  assert.equal(api.authorize(api.parseRoles({ r: { cluster: ["MANAGE_TO\u212AEN"] } }), "k", ["r"], "createToken"), undefined);
  assert.throws(() => api.parseRoles({ r: { cluster: ["ÄBC"] } }), {
    message: /^ROLES: unknown cluster privilege \[äbc\] in role \[r\]\. a privilege/,
  });
});
