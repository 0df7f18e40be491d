"""Reference NumPy implementation of a learned Hamiltonian exported by
`hnn export --model DIR --out MODEL.npz` (schema "hnnlab-model", version 1).

    from hnn_model import HNNModel
    m = HNNModel("MODEL.npz")
    H = m.energy(y)          # y: array [B, 2d], rows (q1..qd, p1..pd); H: [B]
    g = m.gradient(y)        # dH/dy: [B, 2d]
    f = m.vector_field(y)    # J^-1 grad H = (dH/dp, -dH/dq): [B, 2d]

Only NumPy is needed. The network is, for the "mlp" ansatz,

    a_0 = y,  a_l = s(a_{l-1} W_l + b_l)  (l = 1..L),  H = a_L w_out

with s = tanh or softplus and no output bias (the additive constant of H is
not identifiable); the "separable" ansatz is H = T(p) + V(q), two such
networks of one block of coordinates each. The gradient is the exact
backward sweep of that formula. Arrays of the file: "meta" (the JSON
record below, as uint8 bytes), and per network N ("mlp", or "kinetic" and
"potential"): N.w0 … N.w{L-1} [in, width], N.b0 … [width], N.w_out [width].
"""
import json

import numpy as np

SCHEMA = "hnnlab-model"
VERSION = 1


def _act(name):
    if name == "tanh":
        return np.tanh, lambda z, a: 1.0 - a * a
    if name == "softplus":
        return (lambda z: np.logaddexp(0.0, z)), (lambda z, a: 1.0 / (1.0 + np.exp(-z)))
    raise ValueError("unknown activation %r" % name)


class _Net:
    def __init__(self, z, prefix, layers, activation):
        self.ws = [np.asarray(z["%s.w%d" % (prefix, l)], dtype=np.float64) for l in range(layers)]
        self.bs = [np.asarray(z["%s.b%d" % (prefix, l)], dtype=np.float64) for l in range(layers)]
        self.w_out = np.asarray(z["%s.w_out" % prefix], dtype=np.float64)
        self.s, self.ds = _act(activation)

    def energy_and_gradient(self, x):
        a, cache = x, []
        for w, b in zip(self.ws, self.bs):
            zl = a @ w + b
            a = self.s(zl)
            cache.append((zl, a))
        h = a @ self.w_out
        u = np.broadcast_to(self.w_out, a.shape)  # dH/da_L
        for (zl, al), w in zip(reversed(cache), reversed(self.ws)):
            u = (u * self.ds(zl, al)) @ w.T
        return h, u


class HNNModel:
    def __init__(self, path):
        z = np.load(path, allow_pickle=False)
        self.meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        if self.meta.get("schema") != SCHEMA or self.meta.get("version") != VERSION:
            raise ValueError("%s: not an %s v%d file: %r" % (path, SCHEMA, VERSION, self.meta.get("schema")))
        self.d = int(self.meta["d"])
        layers, act = len(self.meta["widths"]), self.meta["activation"]
        self.ansatz = self.meta["ansatz"]
        if self.ansatz == "mlp":
            self.nets = {"mlp": _Net(z, "mlp", layers, act)}
        elif self.ansatz == "separable":
            self.nets = {n: _Net(z, n, layers, act) for n in ("kinetic", "potential")}
        else:
            raise ValueError("unknown ansatz %r" % self.ansatz)

    def _eg(self, y):
        y = np.atleast_2d(np.asarray(y, dtype=np.float64))
        if y.shape[1] != 2 * self.d:
            raise ValueError("states have %d coordinates, the model expects 2d = %d" % (y.shape[1], 2 * self.d))
        if self.ansatz == "mlp":
            return self.nets["mlp"].energy_and_gradient(y)
        q, p = y[:, : self.d], y[:, self.d :]
        ht, gp = self.nets["kinetic"].energy_and_gradient(p)
        hv, gq = self.nets["potential"].energy_and_gradient(q)
        return ht + hv, np.concatenate([gq, gp], axis=1)

    def energy(self, y):
        """H at each row of y [B, 2d]: [B]."""
        return self._eg(y)[0]

    def gradient(self, y):
        """(dH/dq, dH/dp) at each row of y: [B, 2d]."""
        return self._eg(y)[1]

    def vector_field(self, y):
        """Hamilton's equations (dq/dt, dp/dt) = (dH/dp, -dH/dq): [B, 2d]."""
        g = self.gradient(y)
        return np.concatenate([g[:, self.d :], -g[:, : self.d]], axis=1)


if __name__ == "__main__":  # python3 hnn_model.py MODEL.npz: print the metadata
    import sys

    print(json.dumps(HNNModel(sys.argv[1]).meta, indent=1))
