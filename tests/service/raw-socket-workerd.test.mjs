// The raw-socket matrix of raw-socket.test.mjs (rows in raw-socket-cases.mjs) against workerd:
// `wrangler dev` runs www/worker.js as workerd.test.mjs does. workerd's own HTTP layer answers
// many rows before the Worker runs, with statuses of its own, some 5xx (an unknown method is a
// 501, a Host that is no host name or an absolute-form target a 500, a cut-off body a 503 from
// wrangler's proxy); those are the runtime's, not this service's, so they are reported, not
// failed. What must hold: the server stays up (the superuser authenticates after every row),
// the Worker itself never answers 5xx and its errors are Elasticsearch-shaped, and the rows
// marked `worker` reach it and get the answers the Node server gives.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWrangler } from "./helpers.mjs";
import { AUTHENTICATE, CASES, assertError } from "./raw-socket-cases.mjs";
import { esShaped, exchange, fromService, parseResponses } from "./raw-socket.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-raw-"));
const server = await startWrangler({ persistTo });
const port = Number(new URL(server.url).port);
after(async () => {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

// Bounds for a busy machine, not expectations.
const MATRIX_TIMEOUT = { timeout: 300_000 };
const HEALTH_WAIT_MS = 15_000;

async function assertServing() {
  const [answer] = parseResponses((await exchange(port, [AUTHENTICATE], { waitMs: HEALTH_WAIT_MS, expect: 1 })).data);
  assert.equal(answer?.status, 200, `GET /_security/_authenticate after the row:\n${server.output().slice(-2000)}`);
}

test("malformed requests on workerd: the Worker answers 4xx, the server keeps serving", MATRIX_TIMEOUT, async (t) => {
  for (const row of CASES) {
    await t.test(row.name, row.workerdTodo ? { todo: row.workerdTodo } : {}, async () => {
      const expect = row.worker ? row.node.length : Infinity;
      const result = await exchange(port, row.send, row.abort ? { waitMs: 30 } : { end: row.end, expect });
      const answers = parseResponses(result.data);
      const own = answers.filter(fromService);
      for (const answer of own) {
        assert.ok(answer.status < 500, `the Worker answered ${answer.status}: ${answer.text}`);
        if (answer.status >= 400) assert.ok(esShaped(answer), `not an ES error body: ${answer.text}`);
      }
      if (row.worker) {
        assert.deepEqual(
          answers.map((a) => a.status),
          row.node,
          result.data.toString("latin1").slice(0, 500),
        );
        assert.equal(own.length, answers.length, "every answer comes from the Worker");
        if (row.error) assertError(answers[0], row.error);
      }
      const runtime = answers.filter((a) => !fromService(a)).map((a) => `${a.status} ${JSON.stringify(a.text.slice(0, 60))}`);
      if (runtime.length > 0) t.diagnostic(`workerd answered: ${runtime.join(", ")}`);
      await assertServing();
    });
  }
});

test("a stalled client on workerd does not block others, and workerd closes it", MATRIX_TIMEOUT, async () => {
  const startedAt = Date.now();
  const stalls = [["GET / HTTP/1.1\r\nHost: x\r\n"], []].map((parts) => exchange(port, parts, { waitMs: 60_000 }));
  await assertServing();
  for (const result of await Promise.all(stalls)) {
    assert.ok(result.closed, "still open after 60 s");
    assert.ok(parseResponses(result.data).every((a) => a.status < 500));
  }
  assert.ok(Date.now() - startedAt < 60_000);
  await assertServing();
});
