// What the numbers were measured on: they mean little without it.
import { execFileSync } from "node:child_process";
import os from "node:os";

function git(args, cwd) {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo(root) {
  const cpus = os.cpus();
  const commit = git(["rev-parse", "--short", "HEAD"], root);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"], root);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: `${cpus[0]?.model ?? "unknown CPU"} × ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    commit: commit === null ? "unknown" : `${commit}${dirty ? " + uncommitted changes" : ""}`,
  };
}
