// The TypeScript types (www/index.d.ts) checked against a consumer compiled with --strict
// through the package's own name and export conditions (tests/js/types/consumer.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the package's types describe its API under tsc --strict", { timeout: 120_000 }, () => {
  const args = [
    "--noEmit",
    "--strict",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--lib",
    "es2022,dom",
    "--skipLibCheck",
    "false",
    "tests/js/types/consumer.ts",
  ];
  let output = "";
  try {
    execFileSync(`${root}node_modules/.bin/tsc`, args, { cwd: root, encoding: "utf8" });
  } catch (error) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
  }
  assert.equal(output, "", output);
});
