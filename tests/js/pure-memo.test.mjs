// The service remembers the core's pure answers per handler (www/engine/sync-calls.js
// pureMemo): the route decision, the plain headers, a login's keys, the stored-role keys. A
// remembered answer must be the one the core gives for exactly those inputs, the memo must stay
// bounded whatever keys clients send, and its values are shared, so they are frozen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pureMemo } from "../../www/engine/sync-calls.js";
import { ADMIN, engineApi, inProcess } from "../service/helpers.mjs";

test("a memo keeps at most its limit, the oldest going first, and no long key", () => {
  const memo = pureMemo(2, 8);
  let made = 0;
  const ask = (key) => memo(key, () => ({ key, n: ++made }));
  assert.equal(ask("a").n, 1);
  assert.equal(ask("a").n, 1); // remembered
  ask("b");
  ask("c"); // "a" goes
  assert.equal(ask("c").n, 3);
  assert.equal(ask("a").n, 4);
  assert.equal(ask("a-much-longer-key").n, 5);
  assert.equal(ask("a-much-longer-key").n, 6); // never kept
});

test("a remembered route is the core's for the same request line and headers only", async () => {
  const { service } = await engineApi();
  const headers = (h) => new Headers(h);
  const plain = service.route("GET", "/_security/_authenticate", "/_security/_authenticate", headers({}));
  assert.ok(Object.isFrozen(plain));
  assert.equal(plain.endpoint, "authenticate");
  assert.equal(service.route("GET", "/_security/_authenticate", "/_security/_authenticate", headers({})), plain);
  const unreadable = service.route(
    "GET",
    "/_security/_authenticate",
    "/_security/_authenticate",
    headers({ accept: "nonsense" }),
  );
  assert.notEqual(unreadable.problem, plain.problem);
  const pretty = service.route("GET", "/_security/_authenticate", "/_security/_authenticate?pretty", headers({}));
  assert.notEqual(pretty.format, plain.format);
  const post = service.route("POST", "/_security/_authenticate", "/_security/_authenticate", headers({}));
  assert.notEqual(post.problem, plain.problem); // 405
});

test("requests that differ only in what is remembered get their own answers through the handler", async () => {
  const { call } = await inProcess();
  const ok = await call("GET", "/_security/_authenticate", { auth: ADMIN });
  assert.equal(ok.status, 200);
  const refused = await call("GET", "/_security/_authenticate", { auth: ADMIN, headers: { accept: "nonsense" } });
  assert.equal(refused.status, 400);
  const echoed = await call("GET", "/_security/_authenticate", { auth: ADMIN, headers: { "x-opaque-id": "abc" } });
  assert.equal(echoed.headers.get("x-opaque-id"), "abc");
  const again = await call("GET", "/_security/_authenticate", { auth: ADMIN });
  assert.equal(again.headers.get("x-opaque-id"), null);
  assert.deepEqual(again.body, ok.body);
});
