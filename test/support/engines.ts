import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const PG_BIN = "/usr/lib/postgresql/15/bin";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Engine {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A throwaway PostgreSQL 15 server: initdb (as the postgres user: initdb refuses root) in a
 * temp folder, on a free port, socket inside that folder. Fails with what to install when the
 * server binaries are missing.
 */
export async function startPostgres(): Promise<Engine> {
  if (!existsSync(path.join(PG_BIN, "initdb")) || !existsSync("/usr/sbin/runuser")) {
    throw new Error(`PostgreSQL 15 server binaries are needed at ${PG_BIN} (and runuser): apt-get install -y postgresql-15 (.ci/run does this)`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "kpo-pg-"));
  const { uid, gid } = await run("id", ["-u", "postgres"]).then(async (u) => ({ uid: Number(u.stdout), gid: Number((await run("id", ["-g", "postgres"])).stdout) }));
  await chown(dir, uid, gid);
  const data = path.join(dir, "data");
  const port = await freePort();
  const asPostgres = (bin: string, args: string[]) => run("runuser", ["-u", "postgres", "--", path.join(PG_BIN, bin), ...args], { cwd: dir });
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () => void (await asPostgres("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]));
  const stop = async () => void (await asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => undefined));
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway Redis on a free port with persistence off. Fails with what to install when redis-server is missing. */
export async function startRedis(): Promise<Engine> {
  const binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => existsSync(p));
  if (!binary) throw new Error("redis-server is needed for these tests: apt-get install -y redis-server (.ci/run does this)");
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = "";
      proc.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) resolve();
      });
      proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
  };
  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop, destroy: stop };
}
