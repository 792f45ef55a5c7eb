// Preloaded by bench:startup into the processes it measures: at exit, writes the process's CPU
// time (user + system, microseconds) to the file KPO_BENCH_CPU_FILE names. On a busy machine
// CPU time moves far less than wall time, so the two are reported side by side.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  if (process.env.KPO_BENCH_CPU_FILE) writeFileSync(process.env.KPO_BENCH_CPU_FILE, String(user + system));
});
