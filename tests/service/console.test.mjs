// The operator console as the handler serves it (in process, on MemoryKV): its files and their
// security headers, /_console/settings, and the CONSOLE switch. The console itself is driven in
// real browsers by tests/console/console-browser.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { ADMIN, ELASTIC_PASSWORD, ROOT, TOKEN_SECRET, inProcess } from "./helpers.mjs";

const CSP_PARTS = ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'"];

test("the console's files come with a strict CSP, their types and an ETag", async () => {
  const { call } = await inProcess();
  for (const [path, type] of [
    ["/_console/", "text/html"],
    ["/_console/console.js", "text/javascript"],
    ["/_console/console.css", "text/css"],
  ]) {
    const r = await call("GET", path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers.get("content-type").startsWith(type), `${path}: ${r.headers.get("content-type")}`);
    const csp = r.headers.get("content-security-policy") ?? "";
    for (const part of CSP_PARTS) assert.ok(csp.includes(part), `${path} CSP lacks ${part}: ${csp}`);
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    const again = await call("GET", path, { headers: { "If-None-Match": r.headers.get("etag") } });
    assert.equal(again.status, 304, path);
  }
  const index = await call("GET", "/_console/");
  assert.equal(index.text, readFileSync(`${ROOT}/console/index.html`, "utf8"), "served as written");
});

test("the page carries no inline script or style, which the CSP would block", () => {
  const html = readFileSync(`${ROOT}/console/index.html`, "utf8");
  for (const script of html.match(/<script\b[^>]*>/g) ?? []) assert.match(script, /\ssrc="/, script);
  assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=|<style\b|javascript:/i);
  const js = readdirSync(`${ROOT}/console`)
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(`${ROOT}/console/${name}`, "utf8"))
    .join("\n");
  assert.doesNotMatch(js, /\b(localStorage|sessionStorage|indexedDB)\s*[.[]|document\.cookie/, "the tokens stay in memory");
});

test("unknown files are 404, other methods 405, the bare path redirects", async () => {
  const { call } = await inProcess();
  assert.equal((await call("GET", "/_console/nope.js")).status, 404);
  assert.equal((await call("GET", "/_console/../_security/_authenticate")).status, 401, "URL normalisation leaves the console");
  assert.equal((await call("GET", "/_console/__proto__")).status, 404);
  const post = await call("POST", "/_console/", { body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  const bare = await call("GET", "/_console");
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get("location"), "/_console/");
  const head = await call("HEAD", "/_console/");
  assert.equal(head.status, 200);
  assert.equal(head.text, "");
});

test("/_console/settings: ES's 401 without credentials, the settings without secrets with them", async () => {
  const { call } = await inProcess({ TOKEN_TIMEOUT: "5m", AUDIT_ENABLED: "true" });
  const anonymous = await call("GET", "/_console/settings");
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error.type, "security_exception");
  const r = await call("GET", "/_console/settings", { auth: ADMIN });
  assert.equal(r.status, 200);
  const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
  assert.deepEqual(r.body, { store: "kv", token_timeout: "5m", audit_trail: true, console: true, version });
  for (const secret of [ELASTIC_PASSWORD, TOKEN_SECRET]) assert.ok(!r.text.includes(secret));
});

test("CONSOLE=false leaves the path to Elasticsearch's routing; another value is a configuration error", async () => {
  const { call } = await inProcess({ CONSOLE: "false" });
  assert.equal((await call("GET", "/_console/")).status, 401, "authenticated first, as ES does");
  const r = await call("GET", "/_console/", { auth: ADMIN });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, "no handler found for uri [/_console/] and method [GET]");
  await assert.rejects(inProcess({ CONSOLE: "yes" }), /CONSOLE must be "true" or "false"/);
  await assert.rejects(inProcess({ CONSOLE: 0 }), /^ConfigError: env\.CONSOLE must be a string or a boolean$/);
});

test("a boolean setting may be a boolean, as wrangler.toml's [vars] give `CONSOLE = false`", async () => {
  const { call } = await inProcess({ CONSOLE: false, AUDIT_ENABLED: true });
  assert.equal((await call("GET", "/_console/", { auth: ADMIN })).status, 400, "the console is off");
  const r = await call("GET", "/_console/settings", { auth: ADMIN });
  assert.equal(r.status, 400, "so are its settings");
  const { call: on } = await inProcess({ CONSOLE: true, AUDIT_ENABLED: true });
  assert.equal((await on("GET", "/_console/settings", { auth: ADMIN })).body.audit_trail, true, "and the audit trail on");
});
