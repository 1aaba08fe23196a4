// Package led implements Learning Effective Dynamics (Vlachas et al., Nature Machine Intelligence
// 2022) and the PACS report that reproduces it, on GoMLX:
//
//   - Autoencoder: dense or convolutional (same-padded convolutions with 2×2 max pooling, dense
//     bottleneck, upsampling decoder), with dropout and layer normalisation options and different
//     input and output shapes for super-resolution (10×10 → 20×20). Built GoMLX-style:
//     NewAutoencoder(20, 20, 2).Conv(8, 3).Conv(16, 3).Conv(32, 3).Dense(64, 128).Latent(10).Done().
//     Or a coordinate (field) decoder, one MLP of [z, cell position] shared by all cells of the
//     output grid: NewAutoencoder(20, 20, 2).Dense(256, 64).Field(64, 64, 64).Done().
//   - Propagator: stacked LSTM layers and a dense head predicting the next latent vector; either
//     unidirectional and stateful (the original LED: Observe a warm-up, Rollout autonomously) or
//     bidirectional over a sliding window (the report). Trained on sliding windows; Forecast(warmup, steps).
//   - LED: encode a warm-up, propagate in latent space, decode (Forecast), and the multiscale
//     micro/macro alternation of the original paper (Alternate: T_m latent steps, decode, T_μ
//     micro-solver steps, re-encode, repeat) with its timings, for speed-up measurements.
//   - TrainEndToEnd: joint autoencoder + propagator training (reconstruction, latent-forecast and
//     output-forecast losses), as the original LED; Autoencoder.Train and Propagator.Train train them
//     separately, as the report.
//   - SavGol: Savitzky-Golay smoothing (an alias of package smooth's; report default window 31,
//     order 2) with scipy's "interp" or the report's mirrored edges.
//   - ComputeGridErrors / ComputeSeriesErrors: the report's snapshot, particle and model errors as the
//     report defines them (its code's extra square root and wrong component are not reproduced).
//   - Data: GenerateVanDerPol (theta-method trajectories from [-5,5]², 250 steps); the FitzHugh-Nagumo
//     grid and lattice generators are in package fhn.
//   - Experiment setups (VanDerPol, FHNGrid, SuperResolution, Lattice) shared by the notebooks and the
//     experiments of the registry pkg/experiments (led-van-der-pol, led-fhn-grid, led-fhn-lattice,
//     led-superresolution): `go run ./cmd/dynlearn train NAME --out notebooks/models/led` writes the
//     shipped models.
//
// Training (every Train method) is Adam on shuffled mini-batches with the learning-rate schedule of
// TrainConfig, run by training.Loop: it reports each epoch through TrainConfig.OnEpoch (for
// plotting.LiveChart), stops early on the validation loss and restores the best weights (kept in
// training.BestPath(Checkpoint)), checks every loss for NaN/Inf (training.ErrDiverged), checkpoints
// atomically and resumes exactly from the checkpoint (TrainConfig.Checkpoint), and on SIGINT/SIGTERM
// saves and returns training.ErrInterrupted. Checkpoints and saved models know their model
// (led.Autoencoder, led.Propagator, led.EndToEnd and the shape of its configuration): another one
// is refused with an error naming both.
package led
