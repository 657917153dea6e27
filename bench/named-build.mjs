// A copy of the shipped wasm that keeps its function names: the same cargo output, through
// wasm-bindgen and wasm-opt -Oz as scripts/build.sh runs them, plus --keep-debug / -g. The
// profile and the size breakdown read names from it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export function namedBuild(root, dir) {
  const env = { ...process.env, PATH: `${process.env.CARGO_HOME ?? `${process.env.HOME}/.cargo`}/bin:${process.env.PATH}` };
  // The cargo output as build.sh hands it to wasm-bindgen (scripts/drop-target-features.mjs).
  const input = join(root, "target/wasm32-unknown-unknown/release/edge_token.bindgen.wasm");
  execFileSync(
    "wasm-bindgen",
    [
      "--target",
      "web",
      "--experimental-reset-state-function",
      "--keep-debug",
      "--out-name",
      "edge_token",
      "--out-dir",
      dir,
      input,
    ],
    { env, stdio: "ignore" },
  );
  const wasm = join(dir, "edge_token_bg.wasm");
  const features = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals"];
  execFileSync(join(root, "node_modules/.bin/wasm-opt"), ["-Oz", "-g", ...features, wasm, "-o", wasm], { stdio: "ignore" });
  return dir;
}
