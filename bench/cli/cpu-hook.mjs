// Preloaded (node --import) into each process bench/cli.ts runs: at exit, the process's own CPU
// time (user + system, from process start, startup included) goes to $ASCENT_BENCH_CPU_OUT, with
// each live thread's share by name from /proc (Linux: main thread, V8's GC and compiler workers,
// libuv's pool, the loader's thread), which tells where a difference between two sides lies.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const TICK = 100; // USER_HZ: clock ticks per second of /proc's utime and stime (100 on Linux)
function threads() {
  const byName = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const s = (Number(f[11]) + Number(f[12])) / TICK;
      const key = tid === String(process.pid) ? 'main' : name;
      byName[key] = Math.round(((byName[key] ?? 0) + s) * 100) / 100;
    }
  } catch {
    return null;
  }
  return byName;
}

const out = process.env.ASCENT_BENCH_CPU_OUT;
if (out)
  process.on('exit', () => {
    const c = process.cpuUsage();
    writeFileSync(out, JSON.stringify({ cpuSeconds: (c.user + c.system) / 1e6, uptime: process.uptime(), threads: threads() }));
  });
