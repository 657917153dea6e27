// CORS in a real browser: headless Chromium (Debian's, driven by playwright-core) loads a page
// from one origin, and the page calls the Node service on another: with HTTP_CORS_* allowing
// the page's origin, it gets a token and invalidates it (each call after Chromium's preflight);
// from an origin the settings do not name, Chromium refuses to let the page read anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { CHROMIUM, ELASTIC_PASSWORD, startNodeServer } from "./helpers.mjs";

/** The page: get a token with the password grant, invalidate it, and report what it saw. */
const page = (service) => `<!doctype html><script type="module">
const auth = { authorization: "Basic " + btoa("elastic:${ELASTIC_PASSWORD}"), "content-type": "application/json" };
const call = (method, body) =>
  fetch("${service}_security/oauth2/token", { method, headers: auth, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status, product: r.headers.get("x-elastic-product"), body: await r.json(),
  }));
try {
  const token = await call("POST", { grant_type: "client_credentials" });
  const invalidated = await call("DELETE", { token: token.body.access_token });
  window.result = { token: [token.status, token.product, token.body.type], invalidated: [invalidated.status, invalidated.body] };
} catch (e) {
  window.result = { refused: e.name };
}
</script>`;

/** Serves the page; `service()` is the service's URL, known once it has started. */
function servePage(service) {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(page(service())));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("a page on another origin gets and invalidates a token through CORS; another origin is refused", {
  timeout: 120_000,
}, async (t) => {
  assert.ok(existsSync("/usr/bin/chromium"), "Chromium is installed by scripts/setup.sh test");
  // The page's port must be known before the service starts (it is in the allowed origin).
  let serviceUrl = "";
  const pages = await servePage(() => serviceUrl);
  const pagePort = pages.address().port;
  const service = await startNodeServer({
    HTTP_CORS_ENABLED: "true",
    HTTP_CORS_ALLOW_ORIGIN: `/http:\\/\\/127\\.0\\.0\\.1:${pagePort}/`,
  });
  t.after(() => service.stop());
  serviceUrl = service.url;
  t.after(() => pages.close());
  const browser = await chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args] });
  t.after(() => browser.close());
  const run = async (origin) => {
    const tab = await browser.newPage();
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    return tab.evaluate(() => window.result);
  };
  assert.deepEqual(await run(`http://127.0.0.1:${pagePort}`), {
    token: [200, "Elasticsearch", "Bearer"],
    invalidated: [200, { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 }],
  });
  // The same page from http://localhost: the preflight is an empty 403, so fetch rejects.
  assert.deepEqual(await run(`http://localhost:${pagePort}`), { refused: "TypeError" });
  // What Chromium saw, by hand: the preflight for the refused origin, and the allowed one's.
  const preflight = (origin) =>
    fetch(`${service.url}_security/oauth2/token`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
  const refused = await preflight(`http://localhost:${pagePort}`);
  assert.equal(refused.status, 403);
  assert.equal(await refused.text(), "");
  const allowed = await preflight(`http://127.0.0.1:${pagePort}`);
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get("access-control-allow-origin"), `http://127.0.0.1:${pagePort}`);
  assert.equal(allowed.headers.get("x-elastic-product"), null);
});
