// The official Python client (tests/python/test_client.py, `elasticsearch` from PyPI in the
// virtualenv scripts/python-env.sh makes) against the service on Node (www/serve-node.js) and on
// workerd (wrangler dev), with http_compress=True and opaque_id.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ELASTIC_PASSWORD, ROOT, startNodeServer, startWrangler } from "../service/helpers.mjs";

// Made (or found in its cache) before anything starts: a pip failure fails here, loudly.
const python = execFileSync("bash", [`${ROOT}/scripts/python-env.sh`], { encoding: "utf8" }).trim();
const persistTo = mkdtempSync(join(tmpdir(), "edge-token-python-"));
const servers = { node: await startNodeServer(), workerd: await startWrangler({ persistTo }) };
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  rmSync(persistTo, { recursive: true, force: true });
});

for (const [name, server] of Object.entries(servers)) {
  test(`the Python client on ${name}: compressed bodies, filter_path, opaque ids, get/authenticate/refresh/invalidate`, {
    timeout: 120_000,
  }, () => {
    const run = spawnSync(python, [`${ROOT}/tests/python/test_client.py`, server.url, ELASTIC_PASSWORD, name], {
      encoding: "utf8",
      timeout: 110_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`python client on ${name}: ok`));
  });
}
