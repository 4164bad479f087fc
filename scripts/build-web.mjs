#!/usr/bin/env node
// Browser build (esbuild, ESM, minified) into dist/web/:
//   ascent.js                  the library (engine, distributions, classic envs, algorithms, training driver)
//   train/    index.html, main.js, worker.js (module worker), style.css   the training page
//   dashboard/ index.html, main.js, style.css                            the runs dashboard
//   lab/       index.html, main.js, worker.js, sw.js, lab.css            the estimator lab page (sw.js: offline)
//   mujoco/    mujoco_wasm.js   mujoco-js's single-file module (WebAssembly inlined), which the pages
//              import from '../mujoco/mujoco_wasm.js' when a MuJoCo task is played (ascent.js keeps
//              the bare 'mujoco-js' import, for an import map or a bundler of the user's)
// The preset YAML files are parsed here and inlined as JSON, so the pages carry no YAML parser.
// Usage: node scripts/build-web.mjs [--outdir dir]; or import { buildWeb } from this file.
// node scripts/build-web.mjs --lab-site dir: the lab page alone as a static folder (npm run docs does this into docs-site/lab).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** presets/<algo>.yaml -> { algo: { env: { config, run, source } } } */
function readPresets() {
  const dir = join(root, 'presets');
  const out = {};
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const doc = parse(readFileSync(join(dir, f), 'utf8'));
    out[doc.algo] = doc.presets ?? {};
  }
  return out;
}

export async function buildWeb({ outdir = join(root, 'dist', 'web'), minify = true, quiet = false } = {}) {
  const web = join(root, 'src', 'web');
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: false,
    // Env and wrapper snapshots are tagged with class names (checked on restore), so minifying must keep them.
    keepNames: true,
    logLevel: quiet ? 'silent' : 'warning',
    define: { __ASCENT_PRESETS__: JSON.stringify(readPresets()) },
    // The Node-only vector adapters are loaded through computed specifiers; never pull them in.
    // mujoco-js (loaded by a dynamic import in envs/mujoco/sim.ts) imports Node's 'module': keep it
    // out of the bundles, so loadMujoco() fails with its own message in a browser instead of the build.
    external: ['node:*', 'mujoco-js'],
  };
  const library = await build({ ...common, entryPoints: { ascent: join(web, 'lib.ts') }, outdir, metafile: true });
  // The pages sit one folder down, next to mujoco/: their dynamic import('mujoco-js') points there.
  const mujocoBesidePages = {
    name: 'mujoco-beside-pages',
    setup(b) {
      b.onResolve({ filter: /^mujoco-js$/ }, () => ({ path: '../mujoco/mujoco_wasm.js', external: true }));
    },
  };
  const result = await build({
    ...common,
    external: ['node:*'],
    plugins: [mujocoBesidePages],
    entryPoints: {
      'train/main': join(web, 'train', 'main.ts'),
      'train/worker': join(web, 'train', 'worker.ts'),
      'dashboard/main': join(web, 'dashboard', 'main.ts'),
      'lab/main': join(web, 'lab', 'main.ts'),
      'lab/worker': join(web, 'lab', 'worker.ts'),
      'lab/sw': join(web, 'lab', 'sw.ts'),
    },
    outdir,
    metafile: true,
  });
  for (const page of ['train', 'dashboard', 'lab']) {
    mkdirSync(join(outdir, page), { recursive: true });
    for (const f of readdirSync(join(web, page))) if (/\.(html|css)$/.test(f)) copyFileSync(join(web, page, f), join(outdir, page, f));
  }
  copyFileSync(join(web, 'style.css'), join(outdir, 'style.css'));
  mkdirSync(join(outdir, 'mujoco'), { recursive: true });
  copyFileSync(join(dirname(fileURLToPath(import.meta.resolve('mujoco-js'))), 'mujoco_wasm.js'), join(outdir, 'mujoco', 'mujoco_wasm.js'));
  const outputs = { ...library.metafile.outputs, ...result.metafile.outputs };
  const sizes = Object.fromEntries(Object.entries(outputs).map(([f, o]) => [f, o.bytes]));
  const nodeImports = Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.path.startsWith('node:')).map((i) => i.path));
  if (nodeImports.length) throw new Error(`browser bundle imports Node modules: ${[...new Set(nodeImports)].join(', ')}`);
  return { outdir, sizes };
}

/**
 * The lab page alone as a static folder (for the docs site: `npm run docs` puts it in docs-site/lab/):
 * its bundles, page and styles side by side, every path relative, no server needed; the links to
 * the dashboard's other pages are dropped.
 */
export async function buildLabSite({ outdir, quiet = false }) {
  const web = join(root, 'src', 'web');
  await build({
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    keepNames: true,
    logLevel: quiet ? 'silent' : 'warning',
    external: ['node:*', 'mujoco-js'],
    entryPoints: { main: join(web, 'lab', 'main.ts'), worker: join(web, 'lab', 'worker.ts'), sw: join(web, 'lab', 'sw.ts') },
    outdir,
  });
  const html = readFileSync(join(web, 'lab', 'index.html'), 'utf8')
    .replace('href="../style.css"', 'href="./style.css"')
    .replace('<head>', '<head>\n  <meta name="ascent-site" content="docs">')
    .replace(/<a href="\.\.\/(train|dashboard)\/">[^<]*<\/a>/g, '');
  if (html.includes('"../')) throw new Error('lab/index.html links outside its folder; the static lab site would break');
  writeFileSync(join(outdir, 'index.html'), html);
  copyFileSync(join(web, 'lab', 'lab.css'), join(outdir, 'lab.css'));
  copyFileSync(join(web, 'style.css'), join(outdir, 'style.css'));
  return { outdir };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const lab = process.argv.indexOf('--lab-site');
  if (lab > 0) {
    const { outdir } = await buildLabSite({ outdir: resolve(process.argv[lab + 1]) });
    console.log(`built the lab page as a static site in ${outdir}`);
    process.exit(0);
  }
  const i = process.argv.indexOf('--outdir');
  const { outdir, sizes } = await buildWeb({ outdir: i > 0 ? resolve(process.argv[i + 1]) : undefined });
  for (const [f, b] of Object.entries(sizes)) console.log(`${(b / 1024).toFixed(1).padStart(8)} KiB  ${f}`);
  console.log(
    `built ${outdir} (${Object.keys(sizes).length} bundles; ${readdirSync(outdir)
      .filter((f) => statSync(join(outdir, f)).isDirectory())
      .join(', ')})`,
  );
}
