// Package fhn generates the FitzHugh-Nagumo data sets of the Learning Effective Dynamics (LED)
// experiments:
//
//   - Grid: the PACS report's 20×20 grid of independent FitzHugh-Nagumo cells (systems.FitzHughNagumo),
//     each stimulated when a wave sent from a random firing point reaches it (onset = distance /
//     velocity), integrated with the Crank-Nicolson theta method (T = 500, dt = 0.5, 1001 snapshots).
//     GenerateGrid runs all cells of all samples in parallel; CachedGrid keeps the result on disk.
//   - Lattice: the original LED system, a 1-D FitzHugh-Nagumo activator/inhibitor lattice with
//     diffusion (101 nodes on L = 20, D_u = 1, D_v = 4, a0 = -0.03, a1 = 2, ε = 0.006), discretised by
//     the method of lines and integrated with classic RK4 on a fine step. It is the "micro solver" of
//     LED's micro/macro alternation.
//
// Snapshots are float32, row-major: a grid sample is [time][row][col][channel] with channels (u, w); a
// lattice trajectory is [time][field][node] with fields (u, v).
package fhn
