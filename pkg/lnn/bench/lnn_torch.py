#!/usr/bin/python3
"""One LNN training step in PyTorch, for comparison with dynlearn's GoMLX BenchmarkLNNTrainStep.

Same model and step as pkg/lnn: a 3x600 softplus MLP L(q, q_dot) with Cranmer's initialisation,
batch 512 random double-pendulum states, accelerations from the Euler-Lagrange equations with the
derivatives from torch.autograd.functional (jacobian for dL/dx, hvp for the Hessian columns along
q_dot1 and q_dot2: the Hessian of the batch sum is block diagonal, so one hvp per direction gives every
sample's column), the 2x2 solve in closed form, an L1 loss and one Adam step.

Usage: lnn_torch.py [--threads 2] [--width 600] [--depth 3] [--batch 512] [--serve]
With --serve it reads a number of steps per line on stdin and answers with the milliseconds per step,
so that cmd/bench can interleave it with the Go measurements.
"""
import argparse
import math
import sys
import time

import torch


def make_net(width, depth):
    layers, dims = [], [4] + [width] * depth + [1]
    for i in range(len(dims) - 1):
        lin = torch.nn.Linear(dims[i], dims[i + 1])
        n = max(dims[i], dims[i + 1])
        if i == 0:
            std = 2.2 / math.sqrt(n)
        elif i == len(dims) - 2:
            std = n / math.sqrt(n)
        else:
            std = 0.58 * i / math.sqrt(n)
        with torch.no_grad():
            lin.weight.normal_(0.0, std)
            lin.bias.zero_()
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(torch.nn.Softplus())
    return torch.nn.Sequential(*layers)


def batch(n, gen):
    q = torch.rand(n, 2, generator=gen) * 2 * math.pi
    v = (torch.rand(n, 2, generator=gen) * 2 - 1) * 10
    t1, t2, w1, w2 = q[:, 0], q[:, 1], v[:, 0], v[:, 1]
    g = 9.8
    a1 = 0.5 * torch.cos(t1 - t2)
    a2 = torch.cos(t1 - t2)
    f1 = -0.5 * w2 ** 2 * torch.sin(t1 - t2) - g * torch.sin(t1)
    f2 = w1 ** 2 * torch.sin(t1 - t2) - g * torch.sin(t2)
    acc = torch.stack([(f1 - a1 * f2) / (1 - a1 * a2), (f2 - a2 * f1) / (1 - a1 * a2)], 1)
    wrapped = (q + math.pi) % (2 * math.pi) - math.pi
    return torch.cat([wrapped, v], 1), acc


def accelerations(net, x, mode="functional"):
    def lag_sum(inp):
        return net(inp).sum()

    cols = []
    if mode == "functional":
        grad = torch.autograd.functional.jacobian(lag_sum, x, create_graph=True)  # (B, 4)
        for j in (2, 3):
            e = torch.zeros_like(x)
            e[:, j] = 1.0
            _, hcol = torch.autograd.functional.hvp(lag_sum, x, e, create_graph=True)  # (B, 4) = H[:, :, j]
            cols.append(hcol)
    else:  # plain torch.autograd.grad, reverse over reverse
        grad = torch.autograd.grad(lag_sum(x), x, create_graph=True)[0]
        for j in (2, 3):
            cols.append(torch.autograd.grad(grad[:, j].sum(), x, create_graph=True)[0])
    h0, h1 = cols  # columns for q_dot1, q_dot2
    a, b, c = h0[:, 2], 0.5 * (h0[:, 3] + h1[:, 2]), h1[:, 3]
    v = x[:, 2:]
    # rhs_i = dL/dq_i - sum_k d2L/(dqdot_i dq_k) qdot_k
    r0 = grad[:, 0] - (h0[:, 0] * v[:, 0] + h0[:, 1] * v[:, 1])
    r1 = grad[:, 1] - (h1[:, 0] * v[:, 0] + h1[:, 1] * v[:, 1])
    det = a * c - b * b
    return torch.stack([(c * r0 - b * r1) / det, (a * r1 - b * r0) / det], 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--width", type=int, default=600)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--mode", default="functional", choices=["functional", "grad"],
                    help="functional: torch.autograd.functional.jacobian + hvp; grad: torch.autograd.grad twice")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    net = make_net(args.width, args.depth)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    x, y = batch(args.batch, gen)
    x.requires_grad_(True)

    def step():
        opt.zero_grad()
        loss = (accelerations(net, x, args.mode) - y).abs().mean()
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    if not args.serve:
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        ms = (time.perf_counter() - t0) / args.steps * 1e3
        print(f"torch {torch.__version__} ({args.mode}), {args.threads} threads: {ms:.1f} ms/step")
        return
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        print(f"{(time.perf_counter() - t0) / n * 1e3:.3f}", flush=True)


if __name__ == "__main__":
    main()
