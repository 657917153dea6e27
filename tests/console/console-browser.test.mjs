// The operator console end to end, in headless Chromium and Firefox (the system browsers, driven
// by puppeteer-core: Chromium over CDP, Firefox over WebDriver BiDi), against the service on
// workerd with its local KV: sign in, create a role and a user with it, revoke a token of that user and
// see ES's counts, see the token refused, disable the user, sign out and find the console's own
// token invalid. The Chromium run also makes the screenshot of the README
// (target/console.png; copied to docs/console.png with UPDATE_SCREENSHOT=1).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { ADMIN, CHROMIUM, ELASTIC_PASSWORD, ROOT, basic, bearer, makeCaller, startWrangler } from "../service/helpers.mjs";

const BROWSERS = {
  chromium: { browser: "chrome", executablePath: CHROMIUM.executablePath, args: [...CHROMIUM.args] },
  firefox: {
    browser: "firefox",
    executablePath: existsSync("/usr/bin/firefox-esr") ? "/usr/bin/firefox-esr" : "/usr/bin/firefox",
  },
};

let server;
let call;
const scratch = mkdtempSync(join(tmpdir(), "edge-token-console-"));
before(async () => {
  server = await startWrangler({ persistTo: join(scratch, "state") });
  call = makeCaller(fetch, server.url.replace(/\/$/, ""));
});
after(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Waits until the text of `selector` matches `pattern`, and returns it. */
async function textOf(page, selector, pattern) {
  try {
    const handle = await page.waitForFunction(
      (s, source) => {
        const text = document.querySelector(s)?.textContent ?? "";
        return new RegExp(source).test(text) && text;
      },
      { timeout: 20_000 },
      selector,
      pattern.source,
    );
    return await handle.jsonValue();
  } catch (error) {
    const now = await page.$eval(selector, (el) => el.textContent).catch(() => "(no such element)");
    const notice = await page.$eval("#notice", (el) => el.textContent).catch(() => "");
    throw new Error(`${selector} never matched ${pattern}: it reads ${JSON.stringify(now)}; notice ${JSON.stringify(notice)}`, {
      cause: error,
    });
  }
}

async function fill(page, selector, text) {
  await page.$eval(selector, (el) => {
    el.value = "";
  });
  await page.type(selector, text);
}

for (const [name, options] of Object.entries(BROWSERS)) {
  test(`the console in headless ${name}: sign in, manage a user, revoke a token, sign out`, { timeout: 180_000 }, async (t) => {
    const browser = await puppeteer.launch({ ...options, headless: true, userDataDir: mkdtempSync(join(scratch, name)) });
    t.after(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 760 });
    const problems = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    // Failed calls are logged by the browser as "Failed to load resource"; those are expected.
    page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load") && problems.push(m.text()));
    // The console's own token, as it sends it (it is nowhere else to be read: memory only).
    let consoleToken;
    page.on("request", (request) => {
      const auth = request.headers().authorization ?? "";
      if (consoleToken === undefined && auth.startsWith("Bearer ")) consoleToken = auth.slice("Bearer ".length);
    });

    await page.goto(`${server.url}_console/`);
    await page.type("#sign-in-username", "elastic");
    await page.type("#sign-in-password", ELASTIC_PASSWORD);
    await page.click("#sign-in-form button[type=submit]");
    assert.equal(await textOf(page, "#whoami-name", /elastic/), "elastic");
    assert.match(await textOf(page, "#me-summary", /superuser/), /Rolessuperuser/);
    assert.ok(consoleToken, "the console calls with a bearer token after signing in");

    // Create a role, then a user with that role.
    const role = `console_ops_${name}`;
    await page.click('#pages button[data-page="roles"]');
    assert.match(await textOf(page, 'tr[data-role="superuser"]', /reserved/), /all/);
    await fill(page, "#role-name", role);
    await fill(page, "#role-cluster", "manage_token");
    await page.click("#role-form button[type=submit]");
    assert.match(await textOf(page, `tr[data-role="${role}"]`, /native/), /manage_token/);
    const user = `alice-${name}`;
    await page.click('#pages button[data-page="users"]');
    await fill(page, "#user-username", user);
    await fill(page, "#user-password", "short");
    await page.click("#user-form button[type=submit]");
    const reason = await textOf(page, '#user-form .error[data-for="password"]', /Validation Failed/);
    assert.match(reason, /passwords must be at least \[6\] characters long/, "ES's reason, next to the field");
    await fill(page, "#user-password", "alice-password-1");
    await fill(page, "#user-roles", role);
    await fill(page, "#user-full-name", "Alice Example");
    await page.click("#user-form button[type=submit]");
    assert.match(await textOf(page, `tr[data-username="${user}"]`, new RegExp(role)), /Alice Example/);

    // A token of that user, got through the API, revoked from the console, with ES's counts.
    const aliceAuth = basic(user, "alice-password-1");
    const grant = { grant_type: "password", username: user, password: "alice-password-1" };
    const token = (await call("POST", "/_security/oauth2/token", { auth: aliceAuth, body: grant })).body.access_token;
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(token) })).status, 200);
    await page.click('#pages button[data-page="tokens"]');
    await page.select("#invalidate-by", "token");
    await fill(page, "#invalidate-value", token);
    await page.click("#invalidate-form button[type=submit]");
    assert.equal(await textOf(page, "#invalidate-counts", /Errors/), "Invalidated1Previously invalidated0Errors0");
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(token) })).status, 401);

    // The check box says why the token is refused.
    await fill(page, "#check-token", token);
    await page.click("#check-form button[type=submit]");
    assert.match(await textOf(page, "#check-result", /Refused/), /token expired/);
    if (name === "chromium") {
      mkdirSync(join(ROOT, "target"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "target/console.png"), fullPage: true });
      if (process.env.UPDATE_SCREENSHOT === "1") copyFileSync(join(ROOT, "target/console.png"), join(ROOT, "docs/console.png"));
    }

    // Disable the user: their password no longer works.
    await page.click('#pages button[data-page="users"]');
    await page.waitForSelector("#users-table:not([aria-busy])");
    await page.click(`button[aria-label="Disable ${user}"]`);
    assert.match(await textOf(page, `tr[data-username="${user}"]`, /noEdit/), new RegExp(role));
    assert.equal((await call("GET", "/_security/_authenticate", { auth: aliceAuth })).status, 401);

    // Nothing was ever stored by the page.
    const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert.deepEqual(stored, [0, 0, ""]);

    // Sign out: the console's own token is invalidated.
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(consoleToken) })).status, 200);
    await page.click("#sign-out");
    await textOf(page, "#notice", /Signed out/);
    assert.equal(await page.$eval("#sign-in", (el) => el.hidden), false);
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(consoleToken) })).status, 401);
    assert.deepEqual(problems, [], "no script errors and no CSP violations");
    assert.equal((await call("GET", "/_security/_authenticate", { auth: ADMIN })).status, 200);
  });
}

test("a manage_token-only operator sees the token tools, not user management", { timeout: 120_000 }, async (t) => {
  const admin = { auth: ADMIN };
  await call("PUT", "/_security/user/token-operator", { ...admin, body: { password: "operator-pw-1", roles: ["token_admin"] } });
  const browser = await puppeteer.launch({
    ...BROWSERS.chromium,
    headless: true,
    userDataDir: mkdtempSync(join(scratch, "operator")),
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${server.url}_console/`);
  await page.type("#sign-in-username", "token-operator");
  await page.type("#sign-in-password", "operator-pw-1");
  await page.click("#sign-in-form button[type=submit]");
  assert.equal(await textOf(page, "#whoami-name", /token-operator/), "token-operator");
  const visible = await page.$$eval("#pages button", (buttons) => buttons.filter((b) => !b.hidden).map((b) => b.dataset.page));
  assert.deepEqual(visible, ["me", "tokens"]);
});
