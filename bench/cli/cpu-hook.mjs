// Preloaded (node --import) into each process bench/cli.ts runs: at exit, the process's own CPU
// time (user + system, from process start, startup included) goes to $ASCENT_BENCH_CPU_OUT.
import { writeFileSync } from 'node:fs';
const out = process.env.ASCENT_BENCH_CPU_OUT;
if (out)
  process.on('exit', () => {
    const c = process.cpuUsage();
    writeFileSync(out, JSON.stringify({ cpuSeconds: (c.user + c.system) / 1e6, uptime: process.uptime() }));
  });
