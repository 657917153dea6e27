// Lays out the package as users get it, once for every runtime runner: `npm pack` the built
// repository, install the tarball into an empty project, and copy the suite and its runners
// there, so "edge-token" resolves through node_modules/edge-token/package.json's exports.
// Usage: node tests/runtimes/prepare.mjs [folder]   (default .runtimes; prints the project path)
// Needs dist/wasm (scripts/build.sh). The install is offline when npm's cache has the package's
// dependencies (npm ci filled it).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const folder = resolve(root, process.argv[2] ?? ".runtimes");
const app = join(folder, "app");

if (!existsSync(join(root, "dist/wasm/edge_token_bg.wasm"))) {
  console.error("dist/wasm is missing: run scripts/build.sh first");
  process.exit(1);
}
rmSync(folder, { recursive: true, force: true });
mkdirSync(app, { recursive: true });

// --ignore-scripts: the build already ran; prepack would only rebuild.
const npmQuiet = { stdio: ["ignore", "pipe", "inherit"] };
execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", folder], { cwd: root, ...npmQuiet });
const tarball = readdirSync(folder).find((name) => name.endsWith(".tgz"));
writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "app", private: true, type: "module" }, null, 2)}\n`);
const install = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", join(folder, tarball)];
execFileSync("npm", install, { cwd: app, ...npmQuiet });

for (const name of readdirSync(here)) {
  if (name === "suite.mjs" || /^run-[a-z]+\.mjs$/.test(name)) copyFileSync(join(here, name), join(app, name));
}
console.log(app);
