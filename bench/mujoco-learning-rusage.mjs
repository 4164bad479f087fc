// Preloaded (node --import) into each training child of bench/mujoco-learning.ts: on exit, writes the
// process's own resource usage (CPU seconds, peak RSS) to $ASCENT_RUSAGE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.ASCENT_RUSAGE_FILE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
