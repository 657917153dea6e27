// The Node server (www/serve-node.js, the edge-token-serve bin) against raw sockets: requests no
// fetch client sends (Host headers that are no host, absolute-form targets, methods fetch
// refuses, broken framing, NUL bytes, pipelining, clients that stall or leave). The in-memory
// store dies with the process, so after every row the process must still run and the superuser
// must still authenticate; every answer is a 4xx (Elasticsearch-shaped where it has a body),
// never a 5xx. The matrix is in raw-socket-cases.mjs; workerd runs it in raw-socket-workerd.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { ADMIN, ELASTIC_PASSWORD, ROOT, requireBuild } from "./helpers.mjs";
import { AUTHENTICATE, CASES, assertError, http } from "./raw-socket-cases.mjs";
import { esShaped, exchange, parseResponses } from "./raw-socket.mjs";

const BIN = `${ROOT}/www/serve-node.js`;
// Small deadlines so the slow-client rows end quickly (defaults: 10 s and 30 s).
const TIMEOUTS = { HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "2000" };
// Node checks deadlines once per second, so a stalled client is closed after about 2 s; the
// bound leaves room for a busy machine.
const STALL_CLOSED_WITHIN_MS = 6_000;

/** The bin with PORT=0, resolved once it prints its port: {child, port, output()}. */
function start(env = {}) {
  requireBuild();
  const child = spawn(process.execPath, [BIN], {
    env: { ...process.env, ELASTIC_PASSWORD, PORT: "0", HOST: "127.0.0.1", ...TIMEOUTS, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      log += d;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+) /.exec(log);
      if (match) resolve({ child, port: Number(match[1]), output: () => log });
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${log}`)));
  });
}

let server;
before(async () => {
  server = await start();
});
after(() => server?.child.kill());

/** The server still runs and the superuser still authenticates. */
async function assertServing() {
  const [answer] = parseResponses((await exchange(server.port, [AUTHENTICATE], { expect: 1 })).data);
  assert.equal(server.child.exitCode, null, `the server died:\n${server.output()}`);
  assert.equal(answer?.status, 200, "GET /_security/_authenticate after the row");
}

test("malformed requests get a 4xx and the Node server keeps serving", async (t) => {
  for (const row of CASES) {
    await t.test(row.name, async () => {
      // A row that killed the server fails alone; the next one gets a fresh server.
      if (server.child.exitCode !== null) server = await start();
      const result = await exchange(server.port, row.send, row.abort ? { waitMs: 30 } : { end: row.end });
      const answers = parseResponses(result.data);
      // Alive first: a row that ends the process fails as that, not as a missing answer.
      await assertServing();
      if (!row.abort) {
        assert.deepEqual(
          answers.map((a) => a.status),
          row.node,
          result.data.toString("latin1").slice(0, 500),
        );
        for (const answer of answers.filter((a) => a.status >= 400)) {
          // Node's own 417 for an Expect it does not know has no body, like Netty's.
          if (answer.status !== 417) assert.ok(esShaped(answer), `not an ES error body: ${answer.text}`);
        }
        if (row.error) assertError(answers[0], row.error);
      }
    });
  }
});

test("stalled clients are answered 408 and closed by the deadlines, and never block others", async () => {
  const stalls = {
    "a partial head": ["GET / HTTP/1.1\r\nHost: x\r\n"],
    "nothing at all": [],
    "a head one header at a time": [
      "GET / HTTP/1.1\r\n",
      300,
      "X-A: 1\r\n",
      300,
      "X-B: 1\r\n",
      300,
      "X-C: 1\r\n",
      300,
      "X-D: 1\r\n",
    ],
    "a partial body": [
      http(
        "POST /_security/oauth2/token HTTP/1.1",
        ["Host: x", `Authorization: ${ADMIN}`, "Content-Length: 10", "Content-Type: application/json"],
        "{",
      ),
    ],
  };
  const many = Array.from({ length: 20 }, () => exchange(server.port, ["GET / HTTP/1.1\r\nHost: x\r\n"], { waitMs: 10_000 }));
  const startedAt = Date.now();
  const runs = Object.entries(stalls).map(async ([name, parts]) => [
    name,
    await exchange(server.port, parts, { waitMs: 10_000 }),
    Date.now() - startedAt,
  ]);
  // Meanwhile the server answers as usual.
  await assertServing();
  for (const [name, result, ms] of await Promise.all(runs)) {
    assert.ok(result.closed, `${name}: still open after ${ms} ms`);
    assert.ok(ms < STALL_CLOSED_WITHIN_MS, `${name}: closed after ${ms} ms`);
    const answers = parseResponses(result.data);
    assert.deepEqual(
      answers.map((a) => a.status),
      [408],
      name,
    );
    assert.ok(esShaped(answers[0]), answers[0].text);
  }
  for (const result of await Promise.all(many)) assert.ok(result.closed);
  await assertServing();
});

test("the deadlines come from the environment, and bad values stop the server at start-up", () => {
  for (const [env, message] of [
    [{ HEADERS_TIMEOUT_MS: "soon" }, /HEADERS_TIMEOUT_MS must be a positive whole number of milliseconds, not \[soon\]/],
    [{ REQUEST_TIMEOUT_MS: "0" }, /REQUEST_TIMEOUT_MS must be a positive whole number/],
    [{ HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "4000" }, /HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS/],
  ]) {
    const out = spawnSync(process.execPath, [BIN], {
      env: { ...process.env, ELASTIC_PASSWORD, PORT: "0", ...env },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(out.status, 2, JSON.stringify(env));
    assert.match(out.stderr, message);
  }
});
