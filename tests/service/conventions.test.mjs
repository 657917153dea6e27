// ES's HTTP conventions in the service, in process: compressed request bodies (gzip, deflate,
// and the 1 MiB limit on what they inflate to), X-Opaque-Id echoed on every answer, traceparent
// accepted whatever it holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { ADMIN, inProcess } from "./helpers.mjs";

const TOKEN_PATH = "http://edge.test/_security/oauth2/token";

function compressed(method, body, coding, headers = {}) {
  const raw = typeof body === "string" ? Buffer.from(body) : body;
  const bytes = coding.toLowerCase().endsWith("deflate") ? deflateSync(raw) : gzipSync(raw);
  return new Request(TOKEN_PATH, {
    method,
    headers: { authorization: ADMIN, "content-type": "application/json", "content-encoding": coding, ...headers },
    body: bytes,
  });
}

const grant = JSON.stringify({ grant_type: "client_credentials" });

test("gzip and deflate bodies work for get-token and invalidate", async () => {
  const { handle } = await inProcess();
  for (const coding of ["gzip", "x-gzip", "deflate", "X-Deflate"]) {
    const created = await handle(compressed("POST", grant, coding));
    assert.equal(created.status, 200, `${coding}: ${await created.clone().text()}`);
    const { access_token } = await created.json();
    const invalidated = await handle(compressed("DELETE", JSON.stringify({ token: access_token }), coding));
    assert.equal(invalidated.status, 200, coding);
    assert.deepEqual(await invalidated.json(), { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 });
  }
});

test("a coding ES does not decompress reaches the parser as it came, and is refused there", async () => {
  const { handle } = await inProcess();
  // Netty passes `br` (and `identity`) through: the gzip bytes are then not UTF-8.
  const out = await handle(compressed("POST", grant, "gzip", { "content-encoding": "br" }));
  assert.equal(out.status, 400);
  assert.equal((await out.json()).error.reason, "[1:2] Invalid UTF-8 start byte 0x8b");
  const plain = await handle(
    new Request(TOKEN_PATH, {
      method: "POST",
      headers: { authorization: ADMIN, "content-type": "application/json", "content-encoding": "identity" },
      body: grant,
    }),
  );
  assert.equal(plain.status, 200);
});

test("a corrupt compressed body is a 400, never a 500", async () => {
  const { handle } = await inProcess();
  const good = gzipSync(Buffer.from(grant));
  for (const body of [Buffer.from("not gzip at all"), good.subarray(0, good.length - 6)]) {
    const out = await handle(
      new Request(TOKEN_PATH, {
        method: "POST",
        headers: { authorization: ADMIN, "content-type": "application/json", "content-encoding": "gzip" },
        body,
      }),
    );
    assert.equal(out.status, 400);
    assert.equal((await out.json()).error.type, "illegal_argument_exception");
  }
});

test("a bomb (10 MB of zeros in 10 KB of gzip) gets the 413 quickly, reading about 1 MiB", async () => {
  const { handle } = await inProcess();
  const zeros = Buffer.alloc(10 * 1024 * 1024);
  const bomb = compressed("POST", zeros, "gzip");
  assert.ok(gzipSync(zeros).length < 20_000);
  const started = performance.now();
  const out = await handle(bomb);
  const elapsed = performance.now() - started;
  assert.equal(out.status, 413);
  assert.match((await out.json()).error.reason, /larger than the limit of \[1048576\] bytes/);
  assert.ok(elapsed < 1_000, `${elapsed} ms`);
  // Just over the limit once inflated: 413; just under: read and parsed (400 for zeros).
  const over = await handle(compressed("POST", Buffer.alloc(1024 * 1024 + 1, 0x20), "gzip"));
  assert.equal(over.status, 413);
  const under = await handle(compressed("POST", Buffer.alloc(1024 * 1024, 0x20), "gzip"));
  assert.equal(under.status, 400);
});

test("a 10 GiB bomb is cut off at the limit: reading stops, memory stays flat", async () => {
  const { handle } = await inProcess();
  // One MiB of zeros as non-final deflate blocks (about 1 KB), repeated 10,240 times behind a
  // gzip header: 10 MB that inflate to 10 GiB (no trailer: a reader that went on would get a 400).
  const block = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let sent = 0;
  const bomb = new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new Uint8Array(header));
      if (sent++ < 10_240) controller.enqueue(new Uint8Array(block));
      else controller.close();
    },
  });
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const out = await handle(
    new Request(TOKEN_PATH, {
      method: "POST",
      headers: { authorization: ADMIN, "content-type": "application/json", "content-encoding": "gzip" },
      body: bomb,
      duplex: "half",
    }),
  );
  assert.equal(out.status, 413);
  // Neither side reads past the limit: at most 1 MiB of the wire (and a chunk the stream queued).
  assert.ok(sent * block.length < 1024 * 1024 + 4 * block.length, `${sent} blocks read`);
  assert.ok(performance.now() - started < 1_000);
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
});

test("a body with a declared length is read whole, and still refused past 1 MiB if the length lied", async () => {
  const { handle } = await inProcess();
  const send = (body, length) =>
    handle(
      new Request(TOKEN_PATH, {
        method: "POST",
        headers: { authorization: ADMIN, "content-type": "application/json", "content-length": String(length) },
        body,
      }),
    );
  const grant = JSON.stringify({ grant_type: "client_credentials" });
  assert.equal((await send(grant, Buffer.byteLength(grant))).status, 200);
  // On the wire HTTP framing holds a body to its declared length; a Request made in process may
  // carry any header: what was read still counts (the core's check).
  const big = `{"grant_type":"client_credentials","x":"${"y".repeat(1024 * 1024)}"}`;
  const refused = await send(big, 10);
  assert.equal(refused.status, 413);
  assert.match((await refused.json()).error.reason, /larger than the limit of \[1048576\] bytes/);
});

test("a length beside Transfer-Encoding is not trusted: the body is counted as it streams", async () => {
  const { handle } = await inProcess();
  // A client (or a runtime that passes both headers on) declaring 10 bytes for a chunked body:
  // reading it whole would buffer all of it; counted, reading stops just past the limit.
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const body = new ReadableStream({
    pull(controller) {
      pulled += chunk.byteLength;
      if (pulled > 64 * 1024 * 1024) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const headers = {
    authorization: ADMIN,
    "content-type": "application/json",
    "content-length": "10",
    "transfer-encoding": "chunked",
  };
  const refused = await handle(new Request(TOKEN_PATH, { method: "POST", headers, body, duplex: "half" }));
  assert.equal(refused.status, 413);
  assert.ok(pulled <= 2 * 1024 * 1024, `${pulled} bytes pulled`);
});

test("a compressed body over 1 MiB on the wire is a 413 even where it would inflate less", async () => {
  const { handle } = await inProcess();
  // Incompressible: 64 bytes under the limit inflated, a little over it compressed.
  const noise = gzipSync(randomBytes(1024 * 1024 - 64));
  assert.ok(noise.length > 1024 * 1024, `${noise.length}`);
  const stream = new ReadableStream({
    start(controller) {
      for (let at = 0; at < noise.length; at += 65_536) controller.enqueue(new Uint8Array(noise.subarray(at, at + 65_536)));
      controller.close();
    },
  });
  const out = await handle(
    new Request(TOKEN_PATH, {
      method: "POST",
      headers: { authorization: ADMIN, "content-type": "application/json", "content-encoding": "gzip" },
      body: stream,
      duplex: "half",
    }),
  );
  assert.equal(out.status, 413);
});

test("X-Opaque-Id is echoed on successes and on every kind of error", async () => {
  const { handle } = await inProcess();
  const opaque = { "x-opaque-id": "caller-7 / job 42" };
  const rows = [
    new Request("http://edge.test/", { headers: { ...opaque, authorization: ADMIN } }), // 200
    new Request("http://edge.test/_security/_authenticate", { headers: opaque }), // 401
    new Request("http://edge.test/nope", { headers: { ...opaque, authorization: ADMIN } }), // 400
    new Request(TOKEN_PATH, { headers: { ...opaque, authorization: ADMIN } }), // 405
    compressed("POST", Buffer.alloc(2 * 1024 * 1024), "gzip", opaque), // 413
    new Request("http://edge.test/_security/user", { method: "OPTIONS", headers: opaque }), // preflight
  ];
  const statuses = [];
  for (const request of rows) {
    const out = await handle(request);
    statuses.push(out.status);
    assert.equal(out.headers.get("x-opaque-id"), "caller-7 / job 42", `${request.method} ${request.url}`);
  }
  assert.deepEqual(statuses, [200, 401, 400, 405, 413, 200]);
  const without = await handle(new Request("http://edge.test/", { headers: { authorization: ADMIN } }));
  assert.equal(without.headers.get("x-opaque-id"), null);
});

test("traceparent never causes an error, whatever it holds", async () => {
  const { handle } = await inProcess();
  const values = ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "garbage", "", "é".repeat(100)];
  for (const traceparent of values) {
    const out = await handle(new Request("http://edge.test/", { headers: { authorization: ADMIN, traceparent } }));
    assert.equal(out.status, 200, traceparent);
  }
});
