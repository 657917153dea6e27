// The published package, as a user gets it: `npm pack`, install the tarball into an empty
// folder, import "edge-token" from there (Node resolves the `node` export condition), and run
// create -> check -> invalidate -> check against the in-memory KV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("npm pack tarball installs into an empty project and works in Node", { timeout: 120_000 }, (t) => {
  assert.ok(existsSync(join(root, "dist/wasm/edge_token_bg.wasm")), "run scripts/build.sh first");
  const work = mkdtempSync(join(tmpdir(), "edge-token-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  // The build already ran (scripts/test.sh); skip prepack so the test does not rebuild.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root }),
  );
  const files = packed[0].files.map((f) => f.path);
  for (const expected of [
    "dist/wasm/edge_token_bg.wasm",
    "dist/wasm/edge_token.js",
    "dist/console/assets.js",
    "www/entry-node.js",
    "www/index.d.ts",
    "package.json",
  ]) {
    assert.ok(files.includes(expected), `tarball lacks ${expected}`);
  }
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("target/")), "tarball carries build inputs");

  const project = join(work, "app");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(work, tarball)], { cwd: project });

  writeFileSync(
    join(project, "run.mjs"),
    `
import { createToken, checkToken, invalidateToken, MemoryKV } from "edge-token";
const kv = new MemoryKV();
const out = {};
const token = await createToken(kv, { grant_type: "password", username: "token_user", realm: "default_native", roles: ["superuser"] });
out.created = { type: token.type, expires_in: token.expires_in, has_refresh: typeof token.refresh_token === "string" };
out.check = await checkToken(kv, token.access_token);
out.invalidate = await invalidateToken(kv, { token: token.access_token });
try { await checkToken(kv, token.access_token); out.after = "valid"; }
catch (e) { out.after = { status: e.status, reason: e.body.error.reason, www: e.headers["WWW-Authenticate"] }; }
console.log(JSON.stringify(out));
`,
  );
  const out = JSON.parse(execFileSync("node", ["run.mjs"], { cwd: project, encoding: "utf8" }));
  assert.deepEqual(out.created, { type: "Bearer", expires_in: 1200, has_refresh: true });
  assert.equal(out.check.username, "token_user");
  assert.equal(out.check.authentication_type, "token");
  assert.deepEqual(out.invalidate, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
  assert.equal(out.after.status, 401);
  assert.equal(out.after.reason, "token expired");
  assert.match(out.after.www, /error="invalid_token"/);
});
