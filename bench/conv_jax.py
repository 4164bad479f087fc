"""JAX (CPU, jit-compiled) side of the conv bench (issue 14), driven by bench/conv.ts.

The NatureCNN conv stack written plainly in JAX: lax.conv_general_dilated in NCHW/OIHW (Ascent's
layout, so no transposes), bias and ReLU per layer; forward = the stack's output, backward =
jax.grad of sum(output) with respect to the six filters and biases. Both jit-compiled.

Protocol (one line each way): "load <file> <batch>" reads float32 little-endian from <file>: x
[B, 4, 84, 84] then w1, b1, w2, b2, w3, b3 in bench/conv.ts's order; compiles, writes the output
and the six gradients (same order) to <file>.out, answers {"ready": true}. "fwd N" / "bwd N" run N
calls and answer {"wall": seconds, "cpu": seconds} (time.process_time: CPU of all of this process's
threads, XLA's included). "quit" ends.
"""
import json
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

jax.config.update("jax_platforms", "cpu")

LAYERS = [(4, 32, 8, 4), (32, 64, 4, 2), (64, 64, 3, 1)]


def stack(params, x):
    for i, (_, _, _, s) in enumerate(LAYERS):
        w, b = params[2 * i], params[2 * i + 1]
        x = jax.lax.conv_general_dilated(x, w, (s, s), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW"))
        x = jax.nn.relu(x + b[None, :, None, None])
    return x


fwd = jax.jit(stack)
bwd = jax.jit(jax.grad(lambda params, x: jnp.sum(stack(params, x))))


def main():
    state = None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            return
        if cmd[0] == "load":
            path, batch = cmd[1], int(cmd[2])
            raw = np.fromfile(path, dtype="<f4")
            shapes = [(batch, 4, 84, 84)]
            for c, o, k, _ in LAYERS:
                shapes += [(o, c, k, k), (o,)]
            arrays, at = [], 0
            for s in shapes:
                n = int(np.prod(s))
                arrays.append(jnp.asarray(raw[at : at + n].reshape(s)))
                at += n
            if at != raw.size:
                raise SystemExit(f"conv_jax.py: {path} holds {raw.size} floats, expected {at} for batch {batch}")
            x, params = arrays[0], arrays[1:]
            y = fwd(params, x).block_until_ready()
            grads = bwd(params, x)
            out = [np.asarray(y).ravel()] + [np.asarray(g).ravel() for g in grads]
            np.concatenate(out).astype("<f4").tofile(path + ".out")
            state = (params, x)
            print(json.dumps({"ready": True}), flush=True)
        elif cmd[0] in ("fwd", "bwd"):
            params, x = state
            fn = fwd if cmd[0] == "fwd" else bwd
            n = int(cmd[1])
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(n):
                jax.block_until_ready(fn(params, x))
            print(json.dumps({"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0}), flush=True)
        else:
            raise SystemExit(f"conv_jax.py: unknown command {cmd[0]!r} (expected load, fwd, bwd or quit)")


if __name__ == "__main__":
    main()
