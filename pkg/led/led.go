package led

import (
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/backend"
	"github.com/dynlearn/dynlearn/pkg/training"
)

// LED is the Learning Effective Dynamics pipeline: an autoencoder between the fine state and a
// latent vector, an LSTM propagator in latent space, an optional Savitzky-Golay smoother of the
// encoded warm-up (the PACS report) and an optional data scaler (LED's MinMaxZeroOne).
//
// Frames passed to and returned by LED are in physical units, row-major [T][frame values].
type LED struct {
	AE       *Autoencoder
	Prop     *Propagator
	Smoother *SavGol // nil: no smoothing.
	Scaler   *Scaler // nil: the autoencoder sees the data as given.
	Identity bool    // No autoencoder: the propagator works on the frames directly (report's Van der Pol).
	// Stride is the number of frames per latent step (0 or 1: every frame). With Stride k the
	// propagator was trained on every k-th latent vector: Alternate and Forecast step the latent
	// state k frames at a time, observe every k-th frame of a warm-up or micro phase, and fill the
	// frames in between by interpolating the latent vectors linearly (for the output only).
	Stride int

	// Plain-Go inference paths set by UseFast (nil: the graphs).
	fastAE   *FastAutoencoder
	fastProp *FastPropagator
}

// UseFast switches Encode, Decode, Forecast and Alternate to plain-Go float32 inference of the
// autoencoder and the propagator (FastAutoencoder, FastPropagator: the graphs' numbers to float32
// rounding, without the graph backend's per-call overhead; what makes LED's macro steps cost
// microseconds). It needs a dense autoencoder (or Identity) and a unidirectional propagator. The
// weights are copied: call it again after retraining.
func (l *LED) UseFast() error {
	if !l.Identity {
		fa, err := l.AE.Fast()
		if err != nil {
			return err
		}
		l.fastAE = fa
	}
	fp, err := l.Prop.Fast()
	if err != nil {
		return err
	}
	l.fastProp = fp
	return nil
}

// observe and rollout dispatch to the plain-Go propagator when UseFast was called.
func (l *LED) observe(st *State, zs []float32) (*State, error) {
	if l.fastProp != nil {
		return l.fastProp.Observe(st, zs)
	}
	return l.Prop.Observe(st, zs)
}

func (l *LED) rollout(st *State, n int) ([]float32, *State, error) {
	if l.fastProp != nil {
		return l.fastProp.Rollout(st, n)
	}
	return l.Prop.Rollout(st, n)
}

func (l *LED) encodeAE(x []float32) ([]float32, error) {
	if l.fastAE != nil {
		return l.fastAE.Encode(x)
	}
	return l.AE.Encode(x)
}

func (l *LED) decodeAE(z []float32) ([]float32, error) {
	if l.fastAE != nil {
		return l.fastAE.Decode(z)
	}
	return l.AE.Decode(z)
}

// validate checks that the pipeline has its models: a propagator, and an autoencoder unless Identity.
func (l *LED) validate() error {
	switch {
	case l == nil:
		return fmt.Errorf("led: the LED is nil")
	case l.Prop == nil:
		return fmt.Errorf("led: LED.Prop is nil; set the latent propagator")
	case l.AE == nil && !l.Identity:
		return fmt.Errorf("led: LED.AE is nil; set the autoencoder (or Identity for a propagator on the frames)")
	}
	return nil
}

func (l *LED) frameIn() int {
	if l.Identity {
		return l.Prop.Config.Dim
	}
	return l.AE.InSize()
}

func (l *LED) frameOut() int {
	if l.Identity {
		return l.Prop.Config.Dim
	}
	return l.AE.OutSize()
}

// Encode maps frames to latent vectors (scaling first), smoothing the latent series if a Smoother is set.
func (l *LED) Encode(frames []float32) ([]float32, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if len(frames)%l.frameIn() != 0 {
		return nil, fmt.Errorf("led: %d values are not whole frames of %d", len(frames), l.frameIn())
	}
	if err := checkFinite("led: encode: frames", frames, l.frameIn()); err != nil {
		return nil, err
	}
	x := frames
	if l.Scaler != nil {
		x = l.Scaler.Transform(frames)
	}
	z := x
	if !l.Identity {
		var err error
		if z, err = l.encodeAE(x); err != nil {
			return nil, err
		}
	}
	if l.Smoother != nil {
		return l.Smoother.SmoothColumns(z, l.Prop.Config.Dim)
	}
	return z, nil
}

// Decode maps latent vectors to frames (undoing the scaling).
func (l *LED) Decode(z []float32) ([]float32, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if err := checkFinite("led: decode: latents z", z, l.Prop.Config.Dim); err != nil {
		return nil, err
	}
	x := z
	if !l.Identity {
		var err error
		if x, err = l.decodeAE(z); err != nil {
			return nil, err
		}
	}
	if l.Scaler != nil && l.Scaler.Features() == l.frameOut() {
		return l.Scaler.Inverse(x), nil
	}
	return x, nil
}

// Forecast encodes the warm-up frames, lets the propagator observe them (or slide its window over
// them) and propagates `steps` latent steps, returning the predicted latents and decoded frames.
func (l *LED) Forecast(warmup []float32, steps int) (latents, frames []float32, err error) {
	if err := l.validate(); err != nil {
		return nil, nil, err
	}
	if steps < 1 {
		return nil, nil, fmt.Errorf("led forecast: steps=%d must be >= 1", steps)
	}
	if len(warmup) == 0 {
		return nil, nil, fmt.Errorf("led forecast: the warmup is empty; give at least one frame of %d values", l.frameIn())
	}
	if k := l.stride(); k > 1 {
		return l.forecastStrided(warmup, steps, k)
	}
	z, err := l.Encode(warmup)
	if err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	if l.fastProp != nil {
		var st *State
		if st, err = l.fastProp.Observe(nil, z); err == nil {
			latents, _, err = l.fastProp.Rollout(st, steps)
		}
	} else {
		latents, err = l.Prop.Forecast(z, steps)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	if frames, err = l.Decode(latents); err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	return latents, frames, nil
}

// forecastStrided is Forecast with a latent stride k: it observes every k-th warm-up frame (ending
// with the last), rolls out ceil(steps/k) latent steps and interpolates one latent vector per frame.
func (l *LED) forecastStrided(warmup []float32, steps, k int) (latents, frames []float32, err error) {
	fi, d := l.frameIn(), l.Prop.Config.Dim
	if len(warmup)%fi != 0 {
		return nil, nil, fmt.Errorf("led forecast: warm-up of %d values is not whole frames of %d", len(warmup), fi)
	}
	z, err := l.encodeStrided(warmup, k)
	if err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	st, err := l.observe(nil, z)
	if err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	zs, _, err := l.rollout(st, (steps+k-1)/k)
	if err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	latents = interpolate(z[len(z)-d:], zs, d, k, steps)
	if frames, err = l.Decode(latents); err != nil {
		return nil, nil, fmt.Errorf("led forecast: %w", err)
	}
	return latents, frames, nil
}

// MicroSolver advances the fine system: from frame `from` (physical units) it returns the next
// `steps` frames, one coarse step apart.
type MicroSolver func(from []float32, steps int) ([]float32, error)

// AlternationConfig sets the multiscale schedule of the original LED paper.
type AlternationConfig struct {
	Macro   int // T_m: latent (macro) steps per round; 0 runs the micro solver only.
	Micro   int // T_μ: micro-solver steps per round.
	Horizon int // Total steps to predict after the warm-up.
}

// AlternationResult is the outcome of Alternate.
type AlternationResult struct {
	Frames []float32 // [Horizon][frame] predicted frames (physical units).
	Macro  []bool    // Macro[t] reports whether step t came from the latent propagator.
	// Seconds is LED's cost of the prediction after the warm-up, as the paper counts it: latent
	// propagation, decoding the frame each micro phase starts from, the micro solver, and
	// re-encoding the micro phase to update the LSTM state: MacroSeconds + DecodeSeconds +
	// MicroSeconds + SyncSeconds. Decoding the other macro frames is only needed to measure the
	// error and is not counted (MeasureSeconds).
	Seconds        float64
	MacroSeconds   float64 // Latent propagation.
	DecodeSeconds  float64 // Decoding the last latent vector of each macro phase (the micro solver's start).
	MicroSeconds   float64 // Micro solver.
	SyncSeconds    float64 // Re-encoding the micro segments and updating the LSTM state.
	MeasureSeconds float64 // Decoding every macro frame for the output (not in Seconds).
}

// Alternate runs LED's micro/macro alternation (utils_multiscale.predictSequence): observe the
// warm-up frames, then repeat { T_m latent steps; decode the last one; T_μ micro-solver steps
// started from it, re-encoded and fed to the LSTM to update its hidden state } until the horizon
// is covered. Every macro step is also decoded into Frames, to measure the error, outside the
// timed cost (see AlternationResult.Seconds). It needs a unidirectional propagator and an
// autoencoder whose output frame is its input frame.
func (l *LED) Alternate(warmup []float32, cfg AlternationConfig, micro MicroSolver) (*AlternationResult, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if cfg.Horizon < 1 || cfg.Macro < 0 || cfg.Micro < 0 || cfg.Macro+cfg.Micro == 0 {
		return nil, fmt.Errorf("led alternation: need Horizon >= 1 and Macro, Micro >= 0 not both 0 (got %+v)", cfg)
	}
	if cfg.Micro > 0 && micro == nil {
		return nil, fmt.Errorf("led alternation: Micro=%d steps but no micro solver", cfg.Micro)
	}
	k := l.stride()
	if k > 1 && (cfg.Macro%k != 0 || cfg.Micro%k != 0) {
		return nil, fmt.Errorf("led alternation: with a latent stride of %d frames, T_m = %d and T_mu = %d must be multiples of it", k, cfg.Macro, cfg.Micro)
	}
	fo := l.frameOut()
	if l.frameIn() != fo {
		return nil, fmt.Errorf("led alternation: needs an autoencoder whose output frame (%d) is its input frame (%d)", fo, l.frameIn())
	}
	if len(warmup) < fo || len(warmup)%fo != 0 {
		return nil, fmt.Errorf("led alternation: warm-up of %d values is not whole frames of %d", len(warmup), fo)
	}
	res := &AlternationResult{Frames: make([]float32, 0, cfg.Horizon*fo), Macro: make([]bool, 0, cfg.Horizon)}
	d := l.Prop.Config.Dim
	var st *State
	var zLast []float32 // latent vector of the last frame the LSTM observed (interpolation start)
	if cfg.Macro > 0 {
		z, err := l.encodeStrided(warmup, k)
		if err != nil {
			return nil, fmt.Errorf("led alternation: %w", err)
		}
		if st, err = l.observe(nil, z); err != nil {
			return nil, fmt.Errorf("led alternation: %w", err)
		}
		zLast = z[len(z)-d:]
	}
	last := warmup[len(warmup)-fo:]
	for t := 0; t < cfg.Horizon; {
		if n := min(cfg.Macro, cfg.Horizon-t); n > 0 {
			m := (n + k - 1) / k // latent steps covering the n frames
			t0 := time.Now()
			zs, next, err := l.rollout(st, m)
			if err != nil {
				return nil, fmt.Errorf("led alternation step %d: %w", t, err)
			}
			t1 := time.Now()
			res.MacroSeconds += t1.Sub(t0).Seconds()
			st = next
			t += n
			if t < cfg.Horizon && cfg.Micro > 0 { // the micro phase starts from the last macro frame
				if last, err = l.Decode(zs[(m-1)*d:]); err != nil {
					return nil, fmt.Errorf("led alternation step %d: %w", t, err)
				}
				res.DecodeSeconds += time.Since(t1).Seconds()
			}
			t2 := time.Now()
			frames, err := l.Decode(interpolate(zLast, zs, d, k, n))
			if err != nil {
				return nil, fmt.Errorf("led alternation step %d: %w", t, err)
			}
			res.MeasureSeconds += time.Since(t2).Seconds()
			res.Frames = append(res.Frames, frames...)
			for range n {
				res.Macro = append(res.Macro, true)
			}
			zLast = zs[(m-1)*d:]
		}
		if n := min(cfg.Micro, cfg.Horizon-t); n > 0 {
			t0 := time.Now()
			traj, err := micro(last, n)
			if err != nil {
				return nil, fmt.Errorf("led alternation: micro solver at step %d: %w", t, err)
			}
			if len(traj) != n*fo {
				return nil, fmt.Errorf("led alternation: micro solver returned %d values for %d frames of %d", len(traj), n, fo)
			}
			res.MicroSeconds += time.Since(t0).Seconds()
			res.Frames = append(res.Frames, traj...)
			for range n {
				res.Macro = append(res.Macro, false)
			}
			last = traj[len(traj)-fo:]
			t += n
			if cfg.Macro > 0 && t < cfg.Horizon {
				t1 := time.Now()
				z, err := l.encodeStrided(traj, k)
				if err != nil {
					return nil, fmt.Errorf("led alternation: %w", err)
				}
				if st, err = l.observe(st, z); err != nil {
					return nil, fmt.Errorf("led alternation: %w", err)
				}
				zLast = z[len(z)-d:]
				res.SyncSeconds += time.Since(t1).Seconds()
			}
		}
	}
	res.Seconds = res.MacroSeconds + res.DecodeSeconds + res.MicroSeconds + res.SyncSeconds
	return res, nil
}

// encodeStrided returns the latent vectors of every k-th frame, ending with the last. Without a
// Smoother only those frames are encoded; with one, every frame is encoded and the whole latent
// series smoothed first (the smoother needs the neighbours), then every k-th vector is kept.
func (l *LED) encodeStrided(frames []float32, k int) ([]float32, error) {
	if l.Smoother == nil || k <= 1 {
		return l.Encode(strideFrames(frames, l.frameIn(), k))
	}
	z, err := l.Encode(frames)
	if err != nil {
		return nil, err
	}
	return strideFrames(z, l.Prop.Config.Dim, k), nil
}

// stride is the number of frames per latent step (Stride, at least 1).
func (l *LED) stride() int { return max(l.Stride, 1) }

// strideFrames returns every k-th frame of frames ([T][fo]) ending with the last one.
func strideFrames(frames []float32, fo, k int) []float32 {
	if k <= 1 {
		return frames
	}
	t := len(frames) / fo
	var out []float32
	for i := (t - 1) % k; i < t; i += k {
		out = append(out, frames[i*fo:(i+1)*fo]...)
	}
	return out
}

// interpolate returns n latent vectors, one per frame, from z0 (the latent of the frame before) and
// the latent vectors zs of every k-th frame after it, linearly in between (k = 1: zs itself).
func interpolate(z0, zs []float32, d, k, n int) []float32 {
	if k <= 1 {
		return zs[:n*d]
	}
	out := make([]float32, n*d)
	for i := 1; i <= n; i++ {
		j, r := (i-1)/k, float32((i-1)%k+1)/float32(k) // between latent j-1 (z0 for j = 0) and latent j
		prev := z0
		if j > 0 {
			prev = zs[(j-1)*d : j*d]
		}
		if prev == nil {
			prev = zs[j*d : (j+1)*d]
		}
		for c := range d {
			out[(i-1)*d+c] = prev[c] + r*(zs[j*d+c]-prev[c])
		}
	}
	return out
}

// savedModel is the metadata stored with a saved model.
type savedModel struct {
	Kind   string
	AE     AutoencoderConfig
	Prop   PropagatorConfig
	Scaler *Scaler
	Lo, Hi []float32
}

// modelOnly copies the variables of store under prefix into a new store (dropping optimizer state).
func modelOnly(store *model.Store, prefix string) (*model.Store, error) {
	out := model.NewStore()
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Path(), prefix) || !v.HasValue() {
			continue
		}
		if _, err := v.CloneToStore(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Save writes the autoencoder's configuration and weights (no optimizer state) to path, atomically.
func (a *Autoencoder) Save(path string) error {
	s, err := modelOnly(a.store, "/autoencoder")
	if err != nil {
		return fmt.Errorf("led: save autoencoder: %w", err)
	}
	return a.Config.identity().Save(path, s, savedModel{Kind: "autoencoder", AE: a.Config}, nil)
}

// LoadAutoencoder reads a model written by Autoencoder.Save (also the shipped models, written
// before checkpoints recorded their model).
func LoadAutoencoder(path string) (*Autoencoder, error) {
	store, m, b, err := loadSaved("led.LoadAutoencoder", path, kindAutoencoder, "autoencoder")
	if err != nil {
		return nil, err
	}
	return &Autoencoder{Config: m.AE, store: store, backend: b}, nil
}

// Save writes the propagator's configuration, latent scaler and weights to path, atomically.
func (p *Propagator) Save(path string) error {
	s, err := modelOnly(p.store, "/propagator")
	if err != nil {
		return fmt.Errorf("led: save propagator: %w", err)
	}
	return p.Config.identity().Save(path, s, savedModel{Kind: "propagator", Prop: p.Config, Scaler: p.Scaler, Lo: p.Lo, Hi: p.Hi}, nil)
}

// LoadPropagator reads a model written by Propagator.Save (also the shipped models, written before
// checkpoints recorded their model).
func LoadPropagator(path string) (*Propagator, error) {
	store, m, b, err := loadSaved("led.LoadPropagator", path, kindPropagator, "propagator")
	if err != nil {
		return nil, err
	}
	return &Propagator{Config: m.Prop, Scaler: m.Scaler, Lo: m.Lo, Hi: m.Hi, store: store, backend: b}, nil
}

// loadSaved reads a model saved by Save: a checkpoint of the given kind, or a legacy one (format 1,
// the shipped models) whose metadata says it holds a want. fn prefixes the errors.
func loadSaved(fn, path, kind, want string) (*model.Store, *savedModel, compute.Backend, error) {
	store := model.NewStore()
	var m savedModel
	found, err := training.Identity{Kind: kind, Legacy: true}.Load(path, store, &m)
	switch {
	case err != nil:
		return nil, nil, nil, fmt.Errorf("%s: %w", fn, err)
	case !found:
		return nil, nil, nil, fmt.Errorf("%s: the file %s does not exist", fn, path)
	case m.Kind == "":
		return nil, nil, nil, fmt.Errorf("%s: %s holds no saved led model (a training checkpoint?), want a saved %s model", fn, path, want)
	case m.Kind != want:
		return nil, nil, nil, fmt.Errorf("%s: %s holds a saved %s model, want a saved %s model", fn, path, m.Kind, want)
	}
	b, err := backend.New()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", fn, err)
	}
	return store, &m, b, nil
}

// The model kinds of led's checkpoints (training.Identity): saved models and training runs.
const (
	kindAutoencoder = "led.Autoencoder" // also the super-resolution autoencoder (Output != Input)
	kindPropagator  = "led.Propagator"
	kindEndToEnd    = "led.EndToEnd" // an autoencoder and a propagator trained jointly in one store
)

// shape returns the configuration fields that shape the autoencoder's variables.
func (c AutoencoderConfig) shape() any {
	out := c.Output
	if len(out) == 0 {
		out = c.Input
	}
	return struct {
		Input, Output []int
		Conv          []ConvSpec
		Dense         []int
		Latent        int
		LayerNorm     bool
		Field         []int
	}{c.Input, out, c.Conv, c.Dense, c.Latent, c.LayerNorm, c.Field}
}

// identity is the autoencoder's identity in checkpoints.
func (c AutoencoderConfig) identity() training.Identity {
	return training.NewIdentity(kindAutoencoder, c.shape())
}

// shape returns the configuration fields that shape the propagator's variables.
func (c PropagatorConfig) shape() any {
	return struct {
		Dim           int
		LSTM          []int
		Bidirectional bool
		Dense         []int
	}{c.Dim, c.LSTM, c.Bidirectional, c.Dense}
}

// identity is the propagator's identity in checkpoints.
func (c PropagatorConfig) identity() training.Identity {
	return training.NewIdentity(kindPropagator, c.shape())
}
