/** `ascent dashboard [runs-dir]`: serve the live dashboard of a runs directory until Ctrl-C. */
import { startDashboard } from '../web/server.ts';

export async function dashboardCommand(runsDir: string | undefined, f: { port: number; host: string }): Promise<void> {
  const d = await startDashboard({ runsDir: runsDir ?? 'runs', port: f.port, host: f.host });
  process.stdout.write(`dashboard for ${d.runsDir} at ${d.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await d.close();
}
