#!/usr/bin/python3
"""Writes the Lorenz data sets of `dynlearn sindy fit`'s tests (cmd/dynlearn/sindy_test.go) with NumPy.

    python3 make_lorenz.py clean OUT.npz [OUT.csv]     # dt 0.01, t in [0, 5], exact derivatives
    python3 make_lorenz.py noisy OUT.npz LEVEL SEED    # dt 0.002, t in [0, 10], Gaussian noise

Lorenz (sigma 10, rho 28, beta 8/3), two trajectories from (-8, 7, 27) and (5, -5, 20), integrated
by scipy's odeint (rtol = atol = 1e-12) when scipy is present, else by NumPy RK4 with 20 substeps
per sample.

clean: arrays x0, x1 [501, 3], t0, t1 [501] and the exact derivatives xdot0, xdot1 (the Lorenz
right-hand side at the samples), float64, np.savez; the CSV has the columns traj, t, x, y, z,
x_dot, y_dot, z_dot.

noisy: the states plus Gaussian noise of LEVEL times each state's standard deviation (over both
trajectories), drawn by np.random.default_rng(SEED); arrays x0, x1 [5001, 3] stored as float32
(to keep the fixture small), dt0 and dt1 (float64 scalars), no derivatives, np.savez_compressed.
The committed fixtures are:

    python3 make_lorenz.py clean lorenz_clean.npz lorenz_clean.csv
    python3 make_lorenz.py noisy lorenz_noise5.npz 0.05 6
    python3 make_lorenz.py noisy lorenz_noise2.npz 0.02 6
"""
import sys

import numpy as np

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0
ICS = [(-8.0, 7.0, 27.0), (5.0, -5.0, 20.0)]


def rhs(z):
    x, y, w = z[..., 0], z[..., 1], z[..., 2]
    return np.stack([SIGMA * (y - x), x * (RHO - w) - y, x * y - BETA * w], axis=-1)


def integrate(z0, t):
    try:
        from scipy.integrate import odeint
    except ImportError:
        odeint = None
    if odeint is not None:
        return odeint(lambda z, _t: rhs(np.asarray(z)), z0, t, rtol=1e-12, atol=1e-12)
    out = np.empty((len(t), 3))
    z = np.array(z0, dtype=float)
    out[0] = z
    for i in range(1, len(t)):
        h = (t[i] - t[i - 1]) / 20
        for _ in range(20):
            k1 = rhs(z)
            k2 = rhs(z + h / 2 * k1)
            k3 = rhs(z + h / 2 * k2)
            k4 = rhs(z + h * k3)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[i] = z
    return out


def clean(npz, csv=None):
    t = np.arange(501) * 0.01
    arrays, rows = {}, []
    for k, z0 in enumerate(ICS):
        x = integrate(z0, t)
        xd = rhs(x)
        arrays.update({f"x{k}": x, f"t{k}": t, f"xdot{k}": xd})
        rows.append(np.column_stack([np.full(len(t), k), t, x, xd]))
    np.savez(npz, **arrays)
    if csv:
        np.savetxt(csv, np.vstack(rows), delimiter=",", fmt="%.12g",
                   header="traj,t,x,y,z,x_dot,y_dot,z_dot", comments="")


def noisy(npz, level, seed):
    dt, n = 0.002, 5001
    t = np.arange(n) * dt
    xs = [integrate(z0, t) for z0 in ICS]
    sd = np.vstack(xs).std(axis=0)
    rng = np.random.default_rng(seed)
    arrays = {}
    for k, x in enumerate(xs):
        arrays[f"x{k}"] = (x + level * sd * rng.standard_normal(x.shape)).astype(np.float32)
        arrays[f"dt{k}"] = np.float64(dt)
    np.savez_compressed(npz, **arrays)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) in (2, 3) and a[0] == "clean":
        clean(*a[1:])
    elif len(a) == 4 and a[0] == "noisy":
        noisy(a[1], float(a[2]), int(a[3]))
    else:
        sys.exit(__doc__)
