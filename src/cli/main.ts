/**
 * The `ascent` command. Bad input (unknown names, keys, values, unreadable checkpoints, unknown
 * options) is one line on stderr and exit code 2; an interrupted training exits 130 after saving.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../train/setup.ts';
import { totalmem } from 'node:os';
import { SEED_MAX, STEPS_MAX, setMemoryBudget } from '../train/config.ts';
import { ForbiddenKeyError } from '../train/overrides.ts';
import { int, num, outDir, outFile } from './options.ts';
import { trainCommand } from './train.ts';
import { loadEnvsFor } from './load-envs.ts';
import { ASCENT_VERSION } from './version.ts';
import type { ExportFlags } from './export.ts';
import { trainHelpKeys } from './train-help.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * A command's module is loaded when that command runs: `ascent train` then loads neither Redis and
 * BullMQ (sweep, worker) nor the dashboard's server, the exporters or the lab, which cost it ~0.4 s
 * of CPU at startup from source (issue 12).
 */
const lazy =
  <A extends unknown[]>(load: () => Promise<(...args: A) => unknown>) =>
  async (...args: A): Promise<void> => {
    await (await load())(...args);
  };

/** `ascent sweep --help`'s file format (from sweep.ts, loaded by main() only when the command line names sweep). */
let sweepHelp = '';

export function buildProgram(argv: string[] = []): Command {
  // `ascent train <algo> --help` lists that algorithm's config keys.
  const helpAlgo = argv[0] === 'train' && argv[1] && !argv[1].startsWith('-') ? argv[1] : null;
  const program = new Command('ascent')
    .description('Policy-gradient reinforcement learning: train, evaluate, plot and compare agents')
    .version(ASCENT_VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    // Inherited by the subcommands: options that must be given say so.
    .configureHelp({
      optionDescription: (o) =>
        `${o.description}${o.mandatory ? ' (required)' : ''}${o.defaultValue !== undefined && !o.negate && typeof o.defaultValue !== 'boolean' && !(Array.isArray(o.defaultValue) && !o.defaultValue.length) ? ` (default: ${JSON.stringify(o.defaultValue)})` : ''}`,
    })
    .addHelpText(
      'after',
      `
Examples:
  ascent train ppo CartPole-v1                      train with the tuned preset until the threshold
  ascent train reinforce CartPole-v1 --seed 1 --set lr=1e-3 --set policy.hidden=[32,32]
  ascent train --resume runs/<run>                  continue an interrupted run
  ascent train ppo CartPole-v1 --redis redis://127.0.0.1:6379 --rollout-workers 2
                                                    batches from 2 rollout-worker processes (src/distributed/README.md)
  ascent eval runs/<run> --episodes 20 --record cartpole.gif
  ascent export runs/<run> --format onnx --out policy.onnx
  ascent plot runs --out curves.svg                 learning curves of every run under runs/
  ascent list                                       algorithms, environments, presets`,
    );

  program
    .command('train')
    .description('train an algorithm on an environment (uses the tuned preset for the pair when there is one)')
    .argument('[algo]', 'algorithm name (see ascent list)')
    .argument('[env]', 'environment id, e.g. CartPole-v1')
    .option('--seed <n>', `random seed (0..${SEED_MAX})`, int('seed', 0, SEED_MAX))
    .option('--steps <n>', 'total environment steps', int('steps', 1, STEPS_MAX))
    .option('--envs <n>', 'parallel environments', int('envs', 1))
    .option('--config <file.yaml>', 'YAML file of algorithm settings (over the preset)')
    .option('--set <key=value>', 'set one setting (dotted path, YAML value); repeatable', collect, [])
    .option('--out <dir>', 'parent directory of the run directory', outDir('out'), 'runs')
    .option('--eval-every <steps>', 'greedy evaluation every this many steps (0: only at the end)', int('eval-every', 0, STEPS_MAX))
    .option('--eval-episodes <n>', 'episodes per evaluation', int('eval-episodes', 1, 1_000_000))
    // 'none' stays a string: commander turns a parser's null into ''.
    .option('--threshold <return>', "stop when the evaluation mean reaches this ('none': never; default: the env's reward threshold)", (v) =>
      v === 'none' || v === 'off' ? 'none' : num('threshold')(v),
    )
    .option('--checkpoint-every <steps>', 'also save checkpoints/last.ascent every this many steps', int('checkpoint-every', 0, STEPS_MAX))
    .option('--stop-at <steps>', 'pause once this many steps are done (checkpoint saved; continue with --resume)', int('stop-at', 1, STEPS_MAX))
    .option(
      '--resume <run-dir>',
      'continue the run saved in this directory (--set/--config may change its step sizes, gamma, loss coefficients, epochs and minibatches)',
    )
    .option('--no-preset', 'start from the algorithm defaults, ignoring presets/')
    // Distributed rollouts (src/distributed/README.md): batches from `ascent worker --role rollout` processes.
    .option(
      '--redis <url>',
      'ppo, reinforce, sac, mbpo: take batches from rollout workers over this Redis (redis://[user:password@]host[:port][/db], rediss:// for TLS)',
    )
    .option(
      '--rollout-workers <n>',
      'with --redis: rollout-worker processes to start on this machine (others join with ascent worker --role rollout)',
      int('rollout-workers', 0, 1024),
    )
    .option(
      '--envs-per-worker <n>',
      "with --redis: envs each worker steps (a divisor of the config's numEnvs; default: numEnvs shared among the local workers)",
      int('envs-per-worker', 1, 100_000),
    )
    .option(
      '--max-staleness <k>',
      'with --redis, ppo: use chunks up to k versions old, corrected by V-trace (default 0: wait for the current version)',
      int('max-staleness', 0, 100),
    )
    .option('--rollout-timeout <s>', 'with --redis: fail when no usable rollout arrives for this many seconds (default 60)', int('rollout-timeout', 1, 86_400))
    .option('--tls-ca <file.pem>', 'rediss://: the certificate authority of the server (default: the system roots)')
    .option('--tls-servername <name>', "rediss://: the name the server's certificate must carry (default: the URL's host)")
    .option('--tls-insecure', 'rediss://: accept any server certificate (testing only)')
    .addOption(new Option('--plain', 'plain progress lines even on a terminal'))
    .addHelpText('after', () => trainHelpKeys(helpAlgo))
    // MuJoCo ids (given, or of the run resumed) need their WebAssembly module loaded first.
    .hook('preAction', (cmd) => loadEnvsFor(cmd.args[1], cmd.opts().resume))
    .action(trainCommand);

  program
    .command('eval')
    .description('evaluate a saved agent: mean ± std over episodes, JSON, optional GIF of an episode')
    .argument('<path>', 'run directory or .ascent checkpoint')
    .option('--episodes <n>', "episodes (default: the run's evaluation episodes)", int('episodes', 1, 1_000_000))
    .option('--seed <n>', "seed of the first episode (default: the run's evaluation seed)", int('seed', 0, SEED_MAX))
    .option('--stochastic', 'sample actions instead of taking the most likely one')
    .option('--best', 'use checkpoints/best.ascent instead of last.ascent')
    .option('--json <file>', 'where to write the result (default: eval-<...>.json in the run directory)', outFile('json'))
    .option('--record <out.gif>', 'render the first episode to an animated GIF', outFile('record'))
    .option(
      '--scale <f>',
      'scale of the recorded frames',
      (v) => {
        const n = num('scale')(v);
        if (n === null || !(n > 0 && n <= 4)) throw new ConfigError(`--scale must be in (0, 4], got '${v}'`);
        return n;
      },
      1,
    )
    .action(lazy(async () => (await import('./eval.ts')).evalCommand));

  program
    .command('export')
    .description('export a trained policy: ONNX, a TensorFlow.js LayersModel, or a zero-dependency ES module runner')
    .argument('<path>', 'run directory or .ascent checkpoint')
    // Checked (export.ts's exportFormat) before the command runs, as a parser would.
    .requiredOption('--format <format>', 'onnx, tfjs or ascent-runner')
    .requiredOption('--out <path>', 'output: a .onnx file; a directory for tfjs (model.json, weights.bin) and ascent-runner (policy.mjs, policy.bin)')
    .option('--best', 'use checkpoints/best.ascent instead of last.ascent')
    .option('--action-only', 'onnx: output only the greedy action (no distribution parameters, no value)')
    .action(
      lazy(async () => {
        const { exportCommand, exportFormat } = await import('./export.ts');
        return (path: string, f: ExportFlags) => exportCommand(path, { ...f, format: exportFormat(f.format) });
      }),
    );

  program
    .command('plot')
    .description('learning curves of one or more runs (mean and spread across runs of the same algo and env)')
    .argument('<runs...>', 'run directories (or a parent directory holding runs)')
    .requiredOption('--out <file>', 'output .svg or .png', outFile('out'))
    .option('--x <axis>', "x axis: 'steps', 'seconds', or any numeric progress column (e.g. horizon)", 'steps')
    .option('--y <metric>', 'progress column: returnMean, evalMean, or any logged metric', 'returnMean')
    .option('--log-y', 'plot log10 of the y values (for variances spanning many decades)')
    .option('--width <px>', 'image width', int('width', 200, 20000), 800)
    .option('--height <px>', 'image height', int('height', 150, 20000), 500)
    .option('--title <text>', 'plot title')
    .action(lazy(async () => (await import('./plot.ts')).plotCommand));

  program
    .command('list')
    .description('algorithms, environments (spaces, limits, thresholds) and presets')
    .option('--json', 'machine-readable output')
    .option('--presets', 'only the presets table')
    .option('--verbose', 'full preset sources (cut to the terminal width otherwise)')
    .action(lazy(async () => (await import('./list.ts')).listCommand));

  // The Redis connection's TLS flags, shared by the commands that take --redis.
  const redisOptions = (cmd: Command) =>
    cmd
      .option('--tls-ca <file.pem>', 'rediss://: the certificate authority of the server (default: the system roots)')
      .option('--tls-servername <name>', "rediss://: the name the server's certificate must carry (default: the URL's host)")
      .option('--tls-insecure', 'rediss://: accept any server certificate (testing only)');

  redisOptions(
    program
      .command('dashboard')
      .description('serve a live dashboard of the runs in a directory (curves while they train, checkpoints played in the page, sweeps and their scores)')
      .argument('[runs-dir]', 'directory of run directories', 'runs')
      .option('--port <n>', 'port (0: any free port)', int('port', 0, 65535), 8050)
      .option('--host <address>', 'address to bind', '127.0.0.1')
      .option('--redis <url>', 'also show the sweeps on this Redis queue, live (redis://[user:password@]host[:port][/db], rediss:// for TLS)'),
  ).action(lazy(async () => (await import('./dashboard.ts')).dashboardCommand));

  // Sweeps: on this machine's cores, or on a Redis queue (--redis) served by `ascent worker`s.
  redisOptions(
    program
      .command('sweep')
      .description(
        'seeds x settings from a YAML file (grid or random search), trained here or by workers (--redis); sweep status <sweep>: scores and the best configuration',
      )
      .argument('<file.yaml|status>', "the sweep file, or 'status'")
      .argument('[sweep]', 'with status: the sweep id or its file')
      .option(
        '--redis <url>',
        'enqueue on this Redis (redis://[user:password@]host[:port][/db], rediss:// for TLS; password also from ASCENT_REDIS_PASSWORD) and collect the results; default: run the jobs on this machine',
      )
      .option('--jobs <n>', 'without --redis: jobs trained at once (default: the number of cores)', int('jobs', 1, 1024))
      .option('--out <dir>', 'parent of the sweep directory (<out>/<sweep>/<job>/<run>/)', outDir('out'), 'runs')
      .option('--no-wait', 'with --redis: enqueue and return (print the sweep id)')
      .option('--json', 'with status: machine-readable output')
      .addHelpText('after', () => sweepHelp),
  ).action(lazy(async () => (await import('./sweep.ts')).sweepCommand));

  redisOptions(
    program
      .command('worker')
      .description(
        'take sweep jobs from a Redis queue and train them (checkpoints and results with checksums go back to the queue); --role rollout: collect rollouts for a distributed training run',
      )
      .requiredOption(
        '--redis <url>',
        'the Redis of the sweeps (redis://[user:password@]host[:port][/db], rediss:// for TLS; password also from ASCENT_REDIS_PASSWORD)',
      )
      .option('--jobs <n>', 'jobs trained at once', int('jobs', 1, 1024), 1)
      .option('--out <dir>', 'parent of the run directories (<out>/<sweep>/<job>/<run>/)', outDir('out'), 'runs')
      .option('--lock-ms <ms>', "milliseconds after which a silent worker's job is handed to another", int('lock-ms', 1000, 3_600_000), 30_000)
      .option('--role <role>', "'sweep': train sweep jobs; 'rollout': step envs for a distributed training run (ascent train ... --redis)", 'sweep')
      .option('--run <id>', '--role rollout: the run to serve (default: the newest, then each next one)'),
  ).action(lazy(async () => (await import('./worker.ts')).workerCommand));

  const lab = program.command('lab').description('the estimator lab: policy-gradient estimators against exact gradients of small MDPs');
  lab
    .command('estimators')
    .description('bias and variance of REINFORCE estimators (returns, reward-to-go, baselines, GAE)')
    .option('--seed <n>', 'seed of the MDP, policy and samples', int('seed', 0, SEED_MAX), 0)
    .option('--batches <n>', 'independent batches M', int('batches', 2, 100_000), 1000)
    .option('--batch-size <n>', 'trajectories per batch N', int('batch-size', 2, 100_000), 16)
    .option('--states <n>', 'random MDP states', int('states', 2, 100), 5)
    .option('--actions <n>', 'random MDP actions', int('actions', 2, 20), 3)
    .option('--horizon <n>', 'episode length', int('horizon', 1, 1000), 10)
    .option('--mdp <name>', "'random' or 'riverswim'", 'random')
    .option('--time-dependent', 'one logit table per time step')
    .option('--json <file>', 'also write the report as JSON', outFile('json'))
    .action(lazy(async () => (await import('./lab.ts')).labEstimatorsCommand));
  // Commander option lists of the same shape as `lab estimators`': each command declares its own flags.
  lab
    .command('importance')
    .description('importance-sampled gradients away from the sampling policy, and ESS against the horizon')
    .option('--seed <n>', 'seed', int('seed', 0, SEED_MAX), 0)
    .option('--batches <n>', 'independent batches M', int('batches', 2, 100_000), 1000)
    .option('--batch-size <n>', 'trajectories per batch N', int('batch-size', 1, 100_000), 16)
    .option('--steps <list>', 'comma-separated step sizes alpha', '0,0.1,0.25,0.5,1')
    .option('--horizons <list>', 'comma-separated horizons for the ESS table', '2,5,10,20,40')
    .option('--json <file>', 'also write the report as JSON', outFile('json'))
    .action(lazy(async () => (await import('./lab.ts')).labImportanceCommand));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Configs whose estimated memory exceeds 80% of this machine's (or its cgroup's) are refused.
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() || Infinity;
  setMemoryBudget(0.8 * Math.min(totalmem(), constrained));
  const program = buildProgram(argv);
  try {
    if (argv[0] === 'sweep' || (argv[0] === 'help' && argv[1] === 'sweep')) sweepHelp = (await import('./sweep.ts')).SWEEP_HELP;
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version "errors" are normal exits; the message was already printed by commander.
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof ConfigError || e instanceof ForbiddenKeyError) {
      process.stderr.write(`ascent: ${e.message}\n`);
      return 2;
    }
    // An unexpected failure (a non-finite loss, a bug): the message, and the stack with ASCENT_DEBUG=1.
    const err = e as Error;
    process.stderr.write(`ascent: error: ${process.env.ASCENT_DEBUG === '1' ? (err?.stack ?? String(e)) : (err?.message ?? String(e))}\n`);
    return 1;
  }
}

// Run when imported by bin/ascent.mjs (or executed directly with tsx).
const code = await main(process.argv.slice(2));
process.exitCode = code;
