// The package's web entry (www/entry-web.js, the `browser`/`deno`/`default` export condition) in
// headless Chromium with no bundler: the page imports it as a plain ES module from a loopback
// server and runs create -> check -> invalidate -> check, and the service handler on MemoryKV.
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM } from "../service/helpers.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

const PAGE = `<!doctype html><script type="module">
import { createToken, checkToken, invalidateToken, createHandler, MemoryKV } from "/www/entry-web.js";
try {
  const kv = new MemoryKV();
  const token = await createToken(kv, { grant_type: "password", username: "token_user", realm: "default_native" });
  const before = await checkToken(kv, token.access_token);
  const counts = await invalidateToken(kv, { token: token.access_token });
  const after = await checkToken(kv, token.access_token).then(() => 200, (e) => e.status);
  const handle = createHandler({ TOKENS: new MemoryKV(), ELASTIC_PASSWORD: "changeme", TOKEN_SECRET: "browser-entry-token-secret-32-chars" });
  const response = await handle(new Request("http://x/_security/_authenticate", { headers: { authorization: "Basic " + btoa("elastic:changeme") } }));
  window.result = { username: before.username, counts, after, service: [response.status, (await response.json()).username] };
} catch (e) {
  window.result = { error: String(e) };
}
</script>`;

/** Serves the page, www/ and dist/ (nothing else) on a loopback port. */
function serve() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path === "/") return res.writeHead(200, { "content-type": TYPES[".html"] }).end(PAGE);
    if (!/^\/(www|dist)\//.test(path)) return res.writeHead(404).end();
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("the web entry loads and works in headless Chromium without a bundler", { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync("/usr/bin/chromium"), "Chromium is installed by scripts/setup.sh test");
  const server = await serve();
  t.after(() => server.close());
  const browser = await chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(result, {
    username: "token_user",
    counts: { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 },
    after: 401,
    service: [200, "elastic"],
  });
});
