// The Worker bundles as Cloudflare would receive them: `wrangler deploy --dry-run --outdir`
// bundles a Worker (esbuild, the wasm as its own module) without uploading it. Upload and gzip
// sizes are wrangler's own figures ("Total Upload: X KiB / gzip: Y KiB", what the Workers size
// limit is checked against); the files written are listed beside them (source maps and the
// README wrangler writes are not uploaded and not counted).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

function bundle(root, config) {
  const out = mkdtempSync(join(tmpdir(), "edge-token-bundle-"));
  try {
    const printed = execFileSync(
      process.execPath,
      [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out, "--config", config],
      {
        cwd: dirname(config),
        encoding: "utf8",
        env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      },
    );
    const match = printed.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
    if (!match) throw new Error(`no "Total Upload" line from wrangler:\n${printed}`);
    const files = readdirSync(out)
      .filter((f) => !f.endsWith(".map") && f !== "README.md")
      .map((f) => ({ name: f.replace(/^[0-9a-f]{40}-/, ""), bytes: statSync(join(out, f)).size }));
    return { uploadKiB: Number(match[1]), gzipKiB: Number(match[2]), files };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function measureBundles(root) {
  return {
    edge: bundle(root, join(root, "wrangler.toml")),
    peer: bundle(root, join(root, "bench/peer/wrangler.toml")),
  };
}
