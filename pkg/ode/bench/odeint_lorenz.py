#!/usr/bin/env python3
"""Time scipy.integrate.odeint on Champion et al.'s Lorenz data setup.

sigma=10, rho=28, beta=8/3; t = np.arange(0, 5, 0.02) (250 outputs, dt = 0.02); initial conditions
either read from --ics (one per line, 3 columns; `go run ./cmd/dynlearn bench ode-lorenz` writes them so both
sides integrate the same trajectories) or drawn with numpy from Champion's box
2*[36, 48, 41]*(U[0,1)^3 - 0.5) + [0, 0, 25].

Prints "scipy_seconds <best wall time over --reps>" and "scipy_nfe <total rhs evaluations>", and with
--out writes the state at the last output time of every trajectory (one line each).
Champion's own data used odeint's default tolerances (rtol = atol = 1.49012e-8); the benchmark default
here is the tighter 1e-10.
"""
import argparse
import os
import tempfile
import time

import numpy as np
from scipy.integrate import odeint

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def lorenz(z, t):
    x, y, w = z
    return [SIGMA * (y - x), x * (RHO - w) - y, x * y - BETA * w]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ics", help="text file of initial conditions (n x 3)")
    ap.add_argument("--n", type=int, default=1024, help="number of trajectories when --ics is not given")
    ap.add_argument("--seed", type=int, default=1, help="numpy seed when --ics is not given")
    ap.add_argument("--rtol", type=float, default=1e-10)
    ap.add_argument("--atol", type=float, default=1e-10)
    ap.add_argument("--reps", type=int, default=1, help="timed repetitions (the best is reported)")
    ap.add_argument("--out", help="write the final states here (n x 3 text)")
    args = ap.parse_args()

    t = np.arange(0, 5, 0.02)
    if args.ics:
        ics = np.loadtxt(args.ics, ndmin=2)
    else:
        rng = np.random.default_rng(args.seed)
        ics = 2 * np.array([36.0, 48.0, 41.0]) * (rng.random((args.n, 3)) - 0.5) + np.array([0.0, 0.0, 25.0])

    best = float("inf")
    finals, nfe = None, 0
    for _ in range(max(1, args.reps)):
        start = time.perf_counter()
        out, total = [], 0
        for ic in ics:
            z, info = odeint(lorenz, ic, t, rtol=args.rtol, atol=args.atol, full_output=True)
            if info["message"] != "Integration successful.":
                raise SystemExit("odeint failed: " + info["message"])
            out.append(z[-1])
            total += int(info["nfe"][-1])
        best = min(best, time.perf_counter() - start)
        finals, nfe = np.array(out), total
    print(f"scipy_seconds {best:.6f}")
    print(f"scipy_nfe {nfe}")
    if args.out:
        # Atomic write: temp file in the same directory, then rename.
        d = os.path.dirname(os.path.abspath(args.out))
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            np.savetxt(f, finals, fmt="%.17g")
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
