/**
 * Tensor and reverse-mode automatic differentiation.
 *
 * A Tensor is a flat Float32Array (or Float64Array, for gradient checks) with a row-major shape.
 * Every differentiable op that sees an input requiring gradients records a `Node`: its inputs and a
 * backward function written with Tensor ops. The recorded nodes form the tape; `grad()` walks it in
 * reverse topological order. Because backward functions are themselves made of recorded ops,
 * `grad(..., { createGraph: true })` yields gradients that can be differentiated again
 * (double backward: Hessian- and Fisher-vector products for the natural gradient).
 */

export type DType = 'float32' | 'float64';
export type Data = Float32Array | Float64Array;
export type Shape = readonly number[];

/** The record of one op on the tape. `backward` maps the output gradient to input gradients. */
export interface Node {
  op: string;
  inputs: Tensor[];
  backward: (g: Tensor) => (Tensor | null)[];
}

let gradEnabled = true;
let checkNumerics = false;
/** The op whose backward function is running (named by check-numerics errors). */
let inBackwardOf: string | null = null;

/** Run `fn` without recording ops on the tape (inference, optimizer steps, target computations). */
export function noGrad<T>(fn: () => T): T {
  return gradSetTo(false, fn);
}

/** Run `fn` recording ops on the tape even inside noGrad (an op's backward that rebuilds a graph). */
export function withGrad<T>(fn: () => T): T {
  return gradSetTo(true, fn);
}

/** Run `fn` with recording set to `on`, restoring the previous setting even when `fn` throws. */
function gradSetTo<T>(on: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * When on, every op checks its output for NaN/Inf and throws naming the op, and for ops run by a
 * backward pass the op whose backward it is (slow; for debugging).
 */
export function setCheckNumerics(on: boolean): void {
  checkNumerics = on;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * A zero-filled buffer of n elements: from the running BufferArena if there is one, else new.
 * `zeroed = false` is for callers that overwrite every element: an arena then skips the fill.
 */
export function allocData(dtype: DType, n: number, zeroed = true): Data {
  if (arena) return arena.take(dtype, n, zeroed);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

let arena: BufferArena | null = null;

/**
 * Buffer reuse for a computation that repeats (issue 12: one training update allocated 179 typed
 * arrays, 11 MiB, and the garbage collector took ~10% of it). Inside `arena.run(fn)` every buffer
 * the ops allocate is the buffer the same allocation got in the arena's previous run (matched by
 * order, dtype and length; zero-filled as a new one would be), so from the second run on a run that
 * repeats the same ops allocates no typed arrays.
 *
 * The price: tensors made inside a run are valid until the next run of the same arena starts, which
 * overwrites their buffers. Read or copy what must outlive the run (a loss value, logged statistics)
 * before the next one, and do not feed a tensor from one run into the next. Parameters, optimizer
 * state and anything allocated outside `run` are never touched.
 */
export class BufferArena {
  private readonly buffers: Data[] = [];
  private cursor = 0;
  private running = false;
  /** Buffers allocated (not reused) so far, over all runs. */
  allocations = 0;

  run<T>(fn: () => T): T {
    if (this.running) throw new Error('BufferArena.run: this arena is already running (a run cannot nest inside itself)');
    const outer = arena;
    this.running = true;
    this.cursor = 0;
    arena = this;
    try {
      return fn();
    } finally {
      arena = outer;
      this.running = false;
    }
  }

  /** Buffers held for reuse and their total bytes. */
  get size(): { buffers: number; bytes: number } {
    return { buffers: this.buffers.length, bytes: this.buffers.reduce((s, b) => s + b.byteLength, 0) };
  }

  /** Drop the held buffers (the next run allocates afresh). */
  clear(): void {
    if (this.running) throw new Error('BufferArena.clear: cannot clear while running');
    this.buffers.length = 0;
  }

  /** @internal */
  take(dtype: DType, n: number, zeroed = true): Data {
    const i = this.cursor++;
    const b = this.buffers[i];
    if (b !== undefined && b.length === n && (dtype === 'float64') === b instanceof Float64Array) {
      if (zeroed) b.fill(0);
      return b;
    }
    this.allocations++;
    const fresh = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    this.buffers[i] = fresh;
    return fresh;
  }
}

export class Tensor {
  readonly data: Data;
  readonly shape: number[];
  readonly size: number;
  /** True when gradients flow to or through this tensor. */
  requiresGrad: boolean;
  /** The op that produced this tensor (null for leaves and constants). */
  node: Node | null = null;
  /** Accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
  /** Optional label used in error messages and parameter files. */
  name?: string;

  constructor(data: Data, shape: Shape, requiresGrad = false) {
    const n = sizeOf(shape);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new RangeError(`Tensor: shape ${shapeStr(shape)} must hold non-negative integers`);
      }
    }
    if (data.length !== n) {
      throw new RangeError(`Tensor: data of length ${data.length} does not fit shape ${shapeStr(shape)} (size ${n})`);
    }
    this.data = data;
    this.shape = shape.slice();
    this.size = n;
    this.requiresGrad = requiresGrad;
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new RangeError(`item(): tensor has shape ${shapeStr(this.shape)}; item() needs exactly one element`);
    }
    return this.data[0];
  }

  /** Nested plain arrays (for printing and tests). */
  toArray(): any {
    const rec = (dim: number, off: number): any => {
      if (dim === this.shape.length) return this.data[off];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => rec(dim + 1, off + i * stride));
    };
    return rec(0, 0);
  }

  /** A constant copy that shares nothing with the tape. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Backpropagate from this scalar into `.grad` of every leaf that requires gradients. */
  backward(seed?: Tensor): void {
    const leaves = collectLeaves(this);
    const grads = gradients(this, leaves, { seed });
    for (let i = 0; i < leaves.length; i++) {
      const g = grads[i];
      if (!g) continue;
      const leaf = leaves[i];
      if (leaf.grad === null) leaf.grad = new Tensor(g.data.slice(), leaf.shape);
      else {
        const acc = leaf.grad.data;
        for (let j = 0; j < acc.length; j++) acc[j] += g.data[j];
      }
    }
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // --- constructors ---
  static from(values: ArrayLike<number>, shape?: Shape, dtype: DType = 'float32'): Tensor {
    const data = allocData(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    return new Tensor(data, shape ?? [values.length]);
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    const data = allocData(dtype, 1);
    data[0] = value;
    return new Tensor(data, []);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocData(dtype, sizeOf(shape)), shape);
  }

  static ones(shape: Shape, dtype: DType = 'float32'): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const data = allocData(dtype, sizeOf(shape));
    data.fill(value);
    return new Tensor(data, shape);
  }

  /** A trainable leaf. */
  static param(data: Data, shape: Shape, name?: string): Tensor {
    const t = new Tensor(data, shape, true);
    t.name = name;
    return t;
  }
}

/** Wrap the result of an op: record its node when gradients are on and an input needs them. */
export function record(op: string, out: Tensor, inputs: Tensor[], backward: Node['backward']): Tensor {
  if (checkNumerics) assertFinite(out, inBackwardOf ? `${op} (in the backward pass of '${inBackwardOf}')` : op);
  if (!gradEnabled) return out;
  for (const x of inputs) {
    if (x.requiresGrad) {
      out.requiresGrad = true;
      out.node = { op, inputs, backward };
      return out;
    }
  }
  return out;
}

export function assertFinite(t: Tensor, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RangeError(`${what}: non-finite value ${d[i]} at flat index ${i} of a tensor of shape ${shapeStr(t.shape)}`);
    }
  }
}

function collectLeaves(root: Tensor): Tensor[] {
  const leaves: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack = [root];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.node) stack.push(...t.node.inputs.filter((x) => x.requiresGrad));
    else if (t.requiresGrad) leaves.push(t);
  }
  return leaves;
}

/** Nodes reachable from `root`, ordered so that every tensor comes after the tensors it was made from. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS (networks can be deep: recurrent rollouts over long horizons), the stack as two
  // parallel arrays (a tuple per visit was garbage on every backward: issue 12).
  const tensors: Tensor[] = [root];
  const next: number[] = [0];
  visited.add(root);
  while (tensors.length) {
    const top = tensors.length - 1;
    const t = tensors[top];
    const inputs = t.node?.inputs;
    const i = next[top];
    if (inputs !== undefined && i < inputs.length) {
      next[top] = i + 1;
      const x = inputs[i];
      if (x.requiresGrad && !visited.has(x)) {
        visited.add(x);
        tensors.push(x);
        next.push(0);
      }
    } else {
      order.push(t);
      tensors.pop();
      next.pop();
    }
  }
  return order;
}

export interface GradOptions {
  /** Gradient of the output (required when the output is not a scalar). */
  seed?: Tensor;
  /** Record the backward pass so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Return null (instead of throwing) for inputs the output does not depend on. */
  allowUnused?: boolean;
}

/**
 * Gradients of `output` with respect to each of `inputs` (any tensors on the tape, leaves or not).
 */
export function gradients(output: Tensor, inputs: Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  let seed = opts.seed;
  if (!seed) {
    if (output.size !== 1) {
      throw new RangeError(
        `grad: output has shape ${shapeStr(output.shape)}; backward from a non-scalar needs a seed gradient of the same shape ` +
          `(pass { seed }) or reduce it first (e.g. sum or mean)`,
      );
    }
    seed = Tensor.full(output.shape, 1, output.dtype);
  } else if (seed.size !== output.size) {
    throw new RangeError(`grad: seed of shape ${shapeStr(seed.shape)} does not match output shape ${shapeStr(output.shape)}`);
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(output, seed);
  if (!output.requiresGrad) {
    if (opts.allowUnused) return inputs.map(() => null);
    throw new Error(`grad: the output does not depend on any tensor that requires gradients (was it computed under noGrad?)`);
  }
  const order = topoOrder(output);
  const run = () => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node;
      const g = grads.get(t);
      if (!node || !g) continue;
      const outer = inBackwardOf;
      inBackwardOf = node.op;
      let gin: (Tensor | null)[];
      try {
        gin = node.backward(g);
      } finally {
        inBackwardOf = outer;
      }
      for (let i = 0; i < node.inputs.length; i++) {
        const x = node.inputs[i];
        const gi = gin[i];
        if (!gi || !x.requiresGrad) continue;
        if (gi.size !== x.size) {
          throw new Error(`grad: backward of '${node.op}' gave a gradient of shape ${shapeStr(gi.shape)} for an input of shape ${shapeStr(x.shape)}`);
        }
        const prev = grads.get(x);
        grads.set(x, prev ? accumulate(prev, gi) : gi);
      }
    }
  };
  if (opts.createGraph) run();
  else noGrad(run);
  // Returned gradients own their buffers. A backward may pass its incoming gradient on unchanged
  // (add, sub's left operand, reshape, broadcastTo/sumTo without reduction), so two inputs, or an
  // input and the caller's seed, can receive the same buffer; an in-place change to one (clipGradNorm,
  // an optimizer) would then change the other. Copy any buffer that the seed, a tensor of the forward
  // pass or an earlier returned gradient already holds.
  const claimed = new Set<ArrayBufferLike>([seed.data.buffer]);
  for (const t of order) claimed.add(t.data.buffer);
  return inputs.map((x, i) => {
    let g = grads.get(x);
    if (!g) {
      if (opts.allowUnused) return null;
      throw new Error(`grad: the output does not depend on input ${i} (${x.name ?? x.toString()}); pass { allowUnused: true } to get null`);
    }
    if (claimed.has(g.data.buffer)) {
      const own = g;
      const copied = allocData(own.dtype, own.size);
      copied.set(own.data);
      g = record('copy', new Tensor(copied, own.shape), [own], (gg) => [gg]);
      grads.set(x, g); // the same input listed twice gets the same (now owned) tensor
    }
    claimed.add(g.data.buffer);
    return g;
  });
}

/** Sum of two gradients; recorded only when gradients are being built as a graph. */
let accumulate: (a: Tensor, b: Tensor) => Tensor = () => {
  throw new Error('tensor ops not loaded');
};

export function setAccumulate(fn: (a: Tensor, b: Tensor) => Tensor): void {
  accumulate = fn;
}
