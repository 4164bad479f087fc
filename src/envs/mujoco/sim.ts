/**
 * A small typed layer over mujoco-js 0.0.7 (the official MuJoCo 3.3.8 WebAssembly build).
 *
 * The module is loaded once, asynchronously (`await loadMujoco()`), because WebAssembly
 * instantiation is asynchronous; afterwards everything is synchronous, so MuJoCo envs can be
 * built by `make()` like any other env. mujoco-js is imported dynamically so that importing the
 * library does not parse its 11 MB module unless a MuJoCo env is used.
 *
 * MjSim owns one mjModel and one mjData; `close()` frees both (wasm memory is not garbage
 * collected). Array fields are views into the wasm heap; they are cached and re-fetched when the
 * heap grows (a grown heap detaches the old views, whose length becomes 0).
 */
import type { MainModule, MjData, MjModel } from 'mujoco-js';

let loaded: MainModule | null = null;
let loading: Promise<MainModule> | null = null;

/** Loads the MuJoCo WebAssembly module once (later calls return the same module). */
export function loadMujoco(): Promise<MainModule> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= import('mujoco-js')
    .then((m) => m.default())
    .then((mod) => {
      loaded = mod;
      return mod;
    })
    .catch((e: unknown) => {
      loading = null;
      throw new Error(`loadMujoco: could not load the mujoco-js WebAssembly module: ${(e as Error)?.message ?? String(e)}`);
    });
  return loading;
}

/** The loaded module, or a clear error saying how to load it (`who` names the env). */
export function mujocoModule(who: string): MainModule {
  if (!loaded) {
    throw new Error(
      `${who} needs the MuJoCo WebAssembly module, which loads asynchronously: ` +
        `call \`await loadMujoco()\` (exported by ascent-rl) once before making MuJoCo envs`,
    );
  }
  return loaded;
}

/** mjtObj values used by name lookups (MuJoCo's mjOBJ_*). */
export const MjObj = { body: 1, joint: 3, geom: 5, site: 6, actuator: 19 } as const;

/** mjENBL_MULTICCD (measured: mujoco.mjtEnableBit.mjENBL_MULTICCD.value is 16 in 3.3.8). */
const ENABLE_MULTICCD = 16;
/** mjSOL_PGS (mjtSolver). */
const SOLVER_PGS = 0;
/** The PGS iteration cap's factor (see MjSimOptions.versionCorrections). */
export const PGS_ITERATION_FACTOR = 2;

let fileCounter = 0;

export interface MjSimOptions {
  /**
   * Corrections that make MuJoCo 3.3.8 reproduce MuJoCo >= 3.7, on which Gymnasium's transitions
   * were recorded (../shared/golden/mujoco/README.md, "Known cross-version differences"):
   * from 3.5 a contact's margin is the sum of the two geom margins (3.3.8: their maximum), and all
   * geoms of each task model share one margin, so doubling every geom margin reproduces it; from
   * 3.7 multiccd is on by default. And PGS models (the Humanoids) get twice their iteration cap:
   * MuJoCo 3.8-3.12 accelerated PGS (Nesterov momentum), which within Gymnasium's 50 iterations
   * reaches the solver tolerance where 3.3.8's plain PGS stops short of it; with 100, 3.3.8 reaches
   * it too (PGS stops at the tolerance, so converged steps cost nothing more). Measured by
   * bench/mujoco-humanoid-solver.ts: HumanoidStandup's contact forces then match the recordings to
   * 6.1e-3 relative instead of 5.5e-2, qvel to 2.5e-4 instead of 1.6e-3. Default true.
   */
  versionCorrections?: boolean;
}

type View = Float64Array;

/** One compiled model and its data. */
export class MjSim {
  readonly mj: MainModule;
  readonly model: MjModel;
  readonly data: MjData;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly name: string;
  private closed = false;
  private readonly dViews = new Map<string, View>();
  private readonly mViews = new Map<string, View>();

  /** Compiles `xml` (an MJCF document) through MuJoCo's in-memory file system. */
  constructor(name: string, xml: string, opts: MjSimOptions = {}) {
    const mj = mujocoModule(name);
    this.mj = mj;
    this.name = name;
    const fs = (mj as unknown as { FS: EmscriptenFS }).FS;
    const dir = '/ascent-models';
    if (!fs.analyzePath(dir).exists) fs.mkdir(dir);
    const path = `${dir}/model-${++fileCounter}.xml`;
    fs.writeFile(path, xml);
    let model: MjModel | null = null;
    try {
      model = mj.MjModel.loadFromXML(path) as MjModel | null;
    } catch (e) {
      throw new Error(`${name}: MuJoCo could not compile the MJCF model (${describeCppError(e)})`);
    } finally {
      fs.unlink(path);
    }
    if (!model) throw new Error(`${name}: MuJoCo could not compile the MJCF model (loadFromXML returned null; see stderr)`);
    this.model = model;
    this.data = new mj.MjData(model);
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    if (opts.versionCorrections !== false) {
      const margin = model.geom_margin as Float64Array;
      for (let i = 0; i < margin.length; i++) margin[i] *= 2;
      const opt = model.opt;
      opt.enableflags = opt.enableflags | ENABLE_MULTICCD;
      if (opt.solver === SOLVER_PGS) opt.iterations = opt.iterations * PGS_ITERATION_FACTOR;
      opt.delete();
    }
  }

  private view(owner: 'm' | 'd', field: string): View {
    this.checkOpen();
    const views = owner === 'm' ? this.mViews : this.dViews;
    let v = views.get(field);
    if (v === undefined || (v.length === 0 && v.buffer.byteLength === 0)) {
      const src = (owner === 'm' ? this.model : this.data) as unknown as Record<string, unknown>;
      v = src[field] as View;
      if (!ArrayBuffer.isView(v)) throw new Error(`${this.name}: mujoco-js has no array field ${owner === 'm' ? 'mjModel' : 'mjData'}.${field}`);
      views.set(field, v);
    }
    return v;
  }

  /** A float64 mjData array (a live view: valid until the next call that may grow the heap). */
  d(field: string): View {
    return this.view('d', field);
  }
  /** A mjModel array (a live view). */
  m(field: string): View {
    return this.view('m', field);
  }

  get qpos(): View {
    return this.view('d', 'qpos');
  }
  get qvel(): View {
    return this.view('d', 'qvel');
  }
  get ctrl(): View {
    return this.view('d', 'ctrl');
  }
  get qaccWarmstart(): View {
    return this.view('d', 'qacc_warmstart');
  }

  get timestep(): number {
    this.checkOpen();
    const opt = this.model.opt;
    const t = opt.timestep;
    opt.delete();
    return t;
  }

  /** mj_name2id; throws when the name is missing. */
  id(type: keyof typeof MjObj, name: string): number {
    this.checkOpen();
    const id = this.mj.mj_name2id(this.model, MjObj[type], name);
    if (id < 0) throw new Error(`${this.name}: the model has no ${type} named ${JSON.stringify(name)}`);
    return id;
  }

  /** mj_resetData: qpos = qpos0, qvel = 0, qacc_warmstart = 0, ... */
  resetData(): void {
    this.checkOpen();
    this.mj.mj_resetData(this.model, this.data);
  }

  forward(): void {
    this.checkOpen();
    this.mj.mj_forward(this.model, this.data);
  }

  /**
   * Gymnasium's MujocoEnv.do_simulation: ctrl = action, mj_step `nstep` times, then
   * mj_rnePostConstraint (which fills cfrc_ext) when `postConstraint` is set. There is no
   * mj_forward afterwards: derived fields stay those of the last substep's forward pass.
   */
  step(action: ArrayLike<number>, nstep: number, postConstraint: boolean): void {
    const ctrl = this.ctrl;
    for (let i = 0; i < this.nu; i++) ctrl[i] = action[i];
    const { mj, model, data } = this;
    for (let i = 0; i < nstep; i++) mj.mj_step(model, data);
    if (postConstraint) mj.mj_rnePostConstraint(model, data);
  }

  /** Gymnasium's set_state: write qpos and qvel (and, if given, the solver warm start), then mj_forward. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>, qaccWarmstart?: ArrayLike<number>): void {
    const p = this.qpos,
      v = this.qvel;
    for (let i = 0; i < this.nq; i++) p[i] = qpos[i];
    for (let i = 0; i < this.nv; i++) v[i] = qvel[i];
    if (qaccWarmstart) {
      const w = this.qaccWarmstart;
      for (let i = 0; i < this.nv; i++) w[i] = qaccWarmstart[i];
    }
    this.forward();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Frees the wasm objects; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dViews.clear();
    this.mViews.clear();
    this.data.delete();
    this.model.delete();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.name}: the MuJoCo simulation was closed (close() frees it); make a new env`);
  }
}

interface EmscriptenFS {
  analyzePath(path: string): { exists: boolean };
  mkdir(path: string): void;
  writeFile(path: string, data: string): void;
  unlink(path: string): void;
}

/** mujoco-js throws C++ exceptions as CppException objects whose text it cannot return; name what we can. */
function describeCppError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  const o = e as { name?: string; message?: string; constructor?: { name?: string } } | null;
  return o?.message || o?.name || String(e);
}
