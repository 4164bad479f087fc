"""JAX (CPU, jit-compiled) side of the SAC update bench (issue 12), driven by bench/opponents/jax-sac.ts.

The update of bench/engine/sac-workload.ts written plainly in JAX, as a Python user would: one
jitted function from (parameters, optimiser state, batch) to new ones, jax.value_and_grad for the
critic and actor losses, Adam and Polyak as tree maps.

Protocol (one JSON object per line): the first stdin line holds the workload (weights, data,
constants); this script answers with the losses of the first update on a copy of the state
({"criticLoss", "actorLoss"}, then "ready"). Then each stdin line "run N" runs N updates and answers
{"wall": seconds, "cpu": seconds} (time.process_time: CPU of all of this process's threads);
"losses N" answers the losses after N updates from the initial state; "quit" ends.
"""
import json
import math
import sys
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_platforms", "cpu")

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def mlp(layers, x):
    n = len(layers) // 2
    for i in range(n):
        x = x @ layers[2 * i] + layers[2 * i + 1]
        if i < n - 1:
            x = jax.nn.relu(x)
    return x


def main():
    w = json.loads(sys.stdin.readline())
    size, c = w["size"], w["constants"]
    O, A, B = size["obs"], size["act"], size["batch"]
    f32 = lambda xs, shape: jnp.asarray(xs, dtype=jnp.float32).reshape(shape)

    def layers(arrays, sizes):
        out = []
        for i in range(len(sizes) - 1):
            out.append(f32(arrays[2 * i], (sizes[i], sizes[i + 1])))
            out.append(f32(arrays[2 * i + 1], (sizes[i + 1],)))
        return out

    actor_sizes = [O, *size["hidden"], 2 * A]
    critic_sizes = [O + A, *size["hidden"], 1]
    d = w["data"]
    data = {
        "obs": f32(d["obs"], (B, O)), "actions": f32(d["actions"], (B, A)), "rewards": f32(d["rewards"], (B,)),
        "nextObs": f32(d["nextObs"], (B, O)), "terminated": f32(d["terminated"], (B,)),
        "eps1": f32(d["eps1"], (B, A)), "eps2": f32(d["eps2"], (B, A)),
    }
    lr, b1, b2, eps, gamma, tau = (c[k] for k in ("lr", "beta1", "beta2", "eps", "gamma", "tau"))
    lo, hi = c["logStdMin"], c["logStdMax"]
    target_entropy = -float(A)

    def sample(actor, obs, noise):
        out = mlp(actor, obs)
        mu, ls = out[:, :A], jnp.clip(out[:, A:], lo, hi)
        u = mu + jnp.exp(ls) * noise
        log_det = 2 * (math.log(2) - u - jax.nn.softplus(-2 * u))
        return jnp.tanh(u), jnp.sum(-0.5 * noise**2 - ls - HALF_LOG_2PI - log_det, axis=1)

    def adam(p, g, m, v, t):
        # Kingma & Ba (2015) with eps added to sqrt(v_hat), as Ascent's Adam.
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        c1, c2 = 1 - b1**t, 1 - b2**t
        p = jax.tree.map(lambda p, m, v: p - (lr / c1) * m / (jnp.sqrt(v) / jnp.sqrt(c2) + eps), p, m, v)
        return p, m, v

    def update(s, data):
        t = s["t"] + 1.0
        alpha = jnp.exp(s["logAlpha"][0])
        # Targets (no gradient flows into them).
        a2, logp2 = sample(s["actor"], data["nextObs"], data["eps2"])
        sa2 = jnp.concatenate([data["nextObs"], a2], axis=1)
        qn = jnp.minimum(mlp(s["t1"], sa2), mlp(s["t2"], sa2))[:, 0]
        y = jax.lax.stop_gradient(data["rewards"] + (1 - data["terminated"]) * gamma * (qn - alpha * logp2))
        sa = jnp.concatenate([data["obs"], data["actions"]], axis=1)

        def critic_loss(q):
            return 0.5 * (jnp.mean((mlp(q[0], sa)[:, 0] - y) ** 2) + jnp.mean((mlp(q[1], sa)[:, 0] - y) ** 2))

        lc, gq = jax.value_and_grad(critic_loss)((s["q1"], s["q2"]))
        (q1, q2), mq, vq = adam((s["q1"], s["q2"]), gq, s["mq"], s["vq"], t)

        def actor_loss(actor):
            a, logp = sample(actor, data["obs"], data["eps1"])
            sap = jnp.concatenate([data["obs"], a], axis=1)
            q = jnp.minimum(mlp(q1, sap), mlp(q2, sap))[:, 0]
            return jnp.mean(alpha * logp - q), logp

        (la, logp), ga = jax.value_and_grad(actor_loss, has_aux=True)(s["actor"])
        actor, ma, va = adam(s["actor"], ga, s["ma"], s["va"], t)
        # Temperature: d/d log alpha = E[-log pi] - H_target.
        g_alpha = jnp.reshape(-jnp.mean(logp) - target_entropy, (1,))
        log_alpha, ml, vl = adam(s["logAlpha"], g_alpha, s["ml"], s["vl"], t)
        t1 = jax.tree.map(lambda tp, p: tp + tau * (p - tp), s["t1"], q1)
        t2 = jax.tree.map(lambda tp, p: tp + tau * (p - tp), s["t2"], q2)
        new = dict(t=t, actor=actor, q1=q1, q2=q2, t1=t1, t2=t2, logAlpha=log_alpha,
                   ma=ma, va=va, mq=mq, vq=vq, ml=ml, vl=vl)
        return new, (lc, la)

    def initial():
        actor = layers(w["actor"], actor_sizes)
        q1, q2 = layers(w["q1"], critic_sizes), layers(w["q2"], critic_sizes)
        zeros = lambda tree: jax.tree.map(jnp.zeros_like, tree)
        return dict(t=jnp.float32(0), actor=actor, q1=q1, q2=q2, t1=[x.copy() for x in q1], t2=[x.copy() for x in q2],
                    logAlpha=jnp.zeros((1,), jnp.float32), ma=zeros(actor), va=zeros(actor), mq=zeros((q1, q2)),
                    vq=zeros((q1, q2)), ml=jnp.zeros((1,)), vl=jnp.zeros((1,)))

    step = jax.jit(update)

    def losses_after(n):
        s = initial()
        out = None
        for _ in range(n):
            s, out = step(s, data)
        return {"criticLoss": float(out[0]), "actorLoss": float(out[1])}

    reply = lambda obj: (sys.stdout.write(json.dumps(obj) + "\n"), sys.stdout.flush())
    reply({**losses_after(1), "jax": jax.__version__, "devices": [str(x) for x in jax.devices()]})
    state = initial()
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        n = int(cmd[1])
        if cmd[0] == "losses":
            reply(losses_after(n))
            continue
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            state, out = step(state, data)
        jax.block_until_ready(state)
        reply({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0})


if __name__ == "__main__":
    main()
