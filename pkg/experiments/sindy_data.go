package experiments

// sindy-ae: the SINDy autoencoder of Champion et al. on a data file the user brings.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynlearn/dynlearn/pkg/dataio"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/nn"
	"github.com/dynlearn/dynlearn/pkg/sindy"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// SINDyData is the configuration of the experiment sindy-ae: a SINDy autoencoder with the paper's
// network, loss and schedule (autoencoder.Paper()) trained on the snapshots of a data file.
//
// The file (package dataio: .npz, .npy or .csv) holds trajectories x [T, n] of n-dimensional
// snapshots; their time derivatives ẋ come from the file (xdot arrays, <state>_dot columns) or are
// estimated with Diff. A second-order model (Order 2) also needs ẍ: the arrays xddot, xddot0,
// xddot1, ... of an .npz ([T, n] each, one per trajectory), or else ẋ differentiated with Diff.
//
// Validation and test data come from the files Val and Test or, without them, from the data file:
// with at least 3 trajectories, the last ValFraction and TestFraction of them (at least one each);
// with fewer, the last fractions of every trajectory's samples.
type SINDyData struct {
	Data         string  `json:"data"`          // Data file: trajectories of snapshots x [T, n] (required).
	Val          string  `json:"val"`           // Validation file ("" = part of Data).
	Test         string  `json:"test"`          // Test file ("" = part of Data).
	ValFraction  float64 `json:"val_fraction"`  // Share of Data held out for validation without Val.
	TestFraction float64 `json:"test_fraction"` // Share of Data held out for testing without Test.
	Dt           float64 `json:"dt"`            // Time step of files that give no times (0: the file must).
	// Diff estimates the derivatives the files lack: "fd" or "fd:K" (finite differences of
	// accuracy order K, default 2), "savgol" or "savgol:W:K" (Savitzky-Golay, window W, degree K,
	// default 11 and 3), "spectral" or "spectral:F" (cut-off F cycles per time unit), "tv:A" (total
	// variation, weight A).
	Diff  string  `json:"diff"`
	Scale float64 `json:"scale"` // Multiplies x and its derivatives (the paper's networks want |x| of order 1).

	Latent     int    `json:"latent"`     // Latent dimension d (paper's Lorenz: 3).
	Order      int    `json:"order"`      // 1: ż = Θ(z)Ξ; 2: z̈ = Θ(z, ż)Ξ.
	Poly       int    `json:"poly"`       // Polynomial order of the library (paper: 3).
	Sine       bool   `json:"sine"`       // Add sin(z_i) to the library.
	Widths     string `json:"widths"`     // Encoder's hidden widths, "64,32" (the decoder mirrors them).
	Activation string `json:"activation"` // Hidden activation (paper: sigmoid; see nn.All).
	// EncoderActivation replaces Activation in the encoder's hidden layers only ("": Activation's;
	// "linear": an affine encoder, for data that are a linear image of the state plus nonlinear
	// terms the decoder can rebuild, as sindy-lorenz's recipe uses).
	EncoderActivation string `json:"encoder_activation,omitempty"`

	WeightDecoder float64 `json:"weight_decoder"` // Decoder loss weight (paper: 1).
	Lambda1       float64 `json:"lambda1"`        // SINDy loss in ẋ (paper's Lorenz: 1e-4).
	Lambda2       float64 `json:"lambda2"`        // SINDy loss in ż (paper's Lorenz: 0).
	Lambda3       float64 `json:"lambda3"`        // L1 weight of Ξ (paper: 1e-5).
	Threshold     float64 `json:"threshold"`      // Sequential thresholding of |ξ| (paper: 0.1).

	Ensemble int  `json:"ensemble"` // Seeds trained (Seed, Seed+1, ...), one selected as in the paper.
	Shuffle  bool `json:"shuffle"`  // Shuffle the mini-batches (the paper does not).
	// Schedule: the paper's batch 8000, Adam 1e-3, 10001 epochs thresholding every 500, 1001
	// refinement epochs, validation every 100 (quick: autoencoder.Quick()'s 1024, 150, 50, 30, 10).
	Schedule
}

// SINDyDataConfig returns the configuration of sindy-ae: the paper's Lorenz network, loss and
// schedule (full) or autoencoder.Quick()'s schedule (quick), latent dimension 3, no data file.
func SINDyDataConfig(quick bool) *SINDyData {
	p := autoencoder.Paper()
	if quick {
		p = autoencoder.Quick()
	}
	return &SINDyData{ValFraction: 0.1, TestFraction: 0.1, Diff: "fd", Scale: 1,
		Latent: p.LatentDim, Order: p.ModelOrder, Poly: p.PolyOrder, Sine: p.IncludeSine, Widths: joinWidths(p.Widths),
		Activation: string(p.Activation), WeightDecoder: p.WeightDecoder, Lambda1: p.WeightSindyX, Lambda2: p.WeightSindyZ,
		Lambda3: p.WeightL1, Threshold: p.Threshold, Ensemble: 1, Shuffle: p.Shuffle,
		Schedule: Schedule{Batch: p.BatchSize, LR: p.LearningRate, Epochs: p.Epochs, Refine: p.RefinementEpochs,
			ThresholdEvery: p.ThresholdFrequency, EvalEvery: p.EvalFrequency, Seed: p.Seed}}
}

func joinWidths(w []int) string {
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// Validate checks the settings; an error names the setting, its value and what is allowed.
func (c *SINDyData) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Data == "":
		return fmt.Errorf("sindy-ae: no data file: give one with --data FILE (or --set data=FILE): .npz, .npy or .csv")
	case c.Latent < 1:
		return fmt.Errorf("sindy-ae: latent=%d: want a latent dimension >= 1", c.Latent)
	case c.Order != 1 && c.Order != 2:
		return fmt.Errorf("sindy-ae: order=%d: want 1 (ż = Θ(z)Ξ) or 2 (z̈ = Θ(z, ż)Ξ)", c.Order)
	case c.Poly < 0 || c.Poly > 5:
		return fmt.Errorf("sindy-ae: poly=%d: want a polynomial order in 0..5", c.Poly)
	case !(c.ValFraction >= 0 && c.ValFraction < 1) || !(c.TestFraction >= 0 && c.TestFraction < 1) || !(c.ValFraction+c.TestFraction < 1):
		return fmt.Errorf("sindy-ae: val_fraction=%g, test_fraction=%g: want each in [0, 1) and their sum below 1", c.ValFraction, c.TestFraction)
	case c.Val == "" && c.ValFraction == 0:
		return fmt.Errorf("sindy-ae: val_fraction=0 without a validation file: set val=FILE or a val_fraction in (0, 1)")
	case c.Test == "" && c.TestFraction == 0:
		return fmt.Errorf("sindy-ae: test_fraction=0 without a test file: set test=FILE or a test_fraction in (0, 1)")
	case !(c.Dt >= 0) || !finite(c.Dt):
		return fmt.Errorf("sindy-ae: dt=%g: want a time step > 0 (or 0: the file gives the times)", c.Dt)
	case !(c.Scale > 0) || !finite(c.Scale):
		return fmt.Errorf("sindy-ae: scale=%g: want a finite factor > 0", c.Scale)
	case c.Ensemble < 1:
		return fmt.Errorf("sindy-ae: ensemble=%d: want at least 1 seed", c.Ensemble)
	}
	if _, err := c.differentiator(); err != nil {
		return err
	}
	return nil
}

// differentiator parses Diff.
func (c *SINDyData) differentiator() (sindy.Differentiator, error) {
	parts := strings.Split(c.Diff, ":")
	nums := make([]float64, len(parts)-1)
	for i, p := range parts[1:] {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sindy-ae: diff=%q: parameter %q is not a number", c.Diff, p)
		}
		nums[i] = v
	}
	bad := func(want string) error {
		return fmt.Errorf("sindy-ae: diff=%q: want %s (methods: fd[:K], savgol[:W:K], spectral[:F], tv:A)", c.Diff, want)
	}
	isInt := func(v float64) bool { return v == math.Trunc(v) && math.Abs(v) < 1e6 }
	switch parts[0] {
	case "fd":
		switch {
		case len(nums) == 0:
			return sindy.FiniteDiff{}, nil
		case len(nums) == 1 && isInt(nums[0]) && nums[0] >= 1 && nums[0] <= 4:
			return sindy.FiniteDiff{Order: int(nums[0])}, nil
		}
		return nil, bad("fd or fd:K with an accuracy order K in 1..4")
	case "savgol":
		switch {
		case len(nums) == 0:
			return sindy.SavGolDiff{}, nil
		case len(nums) == 2 && isInt(nums[0]) && isInt(nums[1]) && int(nums[0])%2 == 1 && nums[1] >= 1 && nums[1] < nums[0]:
			return sindy.SavGolDiff{Window: int(nums[0]), Order: int(nums[1])}, nil
		}
		return nil, bad("savgol or savgol:W:K with an odd window W and a degree 1 <= K < W")
	case "spectral":
		switch {
		case len(nums) == 0:
			return sindy.Spectral{}, nil
		case len(nums) == 1 && nums[0] >= 0:
			return sindy.Spectral{Cutoff: nums[0]}, nil
		}
		return nil, bad("spectral or spectral:F with a cut-off F >= 0")
	case "tv":
		if len(nums) == 1 && nums[0] >= 0 {
			return sindy.TotalVariation{Alpha: nums[0]}, nil
		}
		return nil, bad("tv:A with a weight A >= 0")
	}
	return nil, bad("a known method")
}

// Model returns the autoencoder configuration for snapshots of inputDim values: autoencoder.Paper()
// with the network, library, loss weights and schedule of the settings.
func (c *SINDyData) Model(inputDim int) (autoencoder.Config, error) {
	if err := c.Validate(); err != nil {
		return autoencoder.Config{}, err
	}
	w, err := parseWidths(c.Widths)
	if err != nil {
		return autoencoder.Config{}, fmt.Errorf("sindy-ae: widths=%q: %w", c.Widths, err)
	}
	m := autoencoder.Paper()
	m.InputDim, m.Widths, m.LatentDim, m.PolyOrder, m.IncludeSine, m.ModelOrder = inputDim, w, c.Latent, c.Poly, c.Sine, c.Order
	m.Activation = nn.Activation(c.Activation)
	m.EncoderActivation = nn.Activation(c.EncoderActivation)
	m.WeightDecoder, m.WeightSindyX, m.WeightSindyZ, m.WeightL1, m.Threshold = c.WeightDecoder, c.Lambda1, c.Lambda2, c.Lambda3, c.Threshold
	c.apply(&m)
	m.Shuffle = c.Shuffle
	if err := m.Validate(); err != nil {
		return autoencoder.Config{}, fmt.Errorf("sindy-ae: %w", err)
	}
	return m, nil
}

// AETrajectory is one trajectory of snapshots with its derivatives, scaled by Scale.
type AETrajectory struct {
	T          []float64   // Sample times.
	X, DX, DDX [][]float64 // Snapshots [T][n] and their first (and, for order 2, second) derivatives.
}

// AESplit is one of the training, validation and test sets of sindy-ae.
type AESplit struct {
	Name         string
	Trajectories []AETrajectory
	Source       string // Where it comes from: "lorenz.npz, trajectories 9-10".
	Derivatives  string // Where ẋ (and ẍ) come from: "the file", "estimated (fd)".
}

// Data returns the split as autoencoder data (samples of all trajectories in order, float32).
func (s *AESplit) Data() autoencoder.Data {
	var d autoencoder.Data
	for _, tr := range s.Trajectories {
		if d.Dim == 0 && len(tr.X) > 0 {
			d.Dim = len(tr.X[0])
		}
		d.N += len(tr.X)
	}
	d.X, d.DX = make([]float32, 0, d.N*d.Dim), make([]float32, 0, d.N*d.Dim)
	second := len(s.Trajectories) > 0 && s.Trajectories[0].DDX != nil
	if second {
		d.DDX = make([]float32, 0, d.N*d.Dim)
	}
	for _, tr := range s.Trajectories {
		for i := range tr.X {
			d.X = appendF32(d.X, tr.X[i])
			d.DX = appendF32(d.DX, tr.DX[i])
			if second {
				d.DDX = appendF32(d.DDX, tr.DDX[i])
			}
		}
	}
	return d
}

func appendF32(dst []float32, row []float64) []float32 {
	for _, v := range row {
		dst = append(dst, float32(v))
	}
	return dst
}

// readTrajectories loads a data file as trajectories with derivatives (scaled by Scale), and says
// where the derivatives come from.
func (c *SINDyData) readTrajectories(path string) ([]AETrajectory, string, error) {
	ds, err := dataio.Load(path, dataio.LoadOptions{Dt: c.Dt})
	if err != nil {
		return nil, "", fmt.Errorf("sindy-ae: %w", err)
	}
	if len(ds.Inputs) > 0 {
		return nil, "", fmt.Errorf("sindy-ae: %s has control inputs %q: the SINDy autoencoder models autonomous systems; remove the u arrays or columns",
			path, ds.Inputs)
	}
	var ddx [][][]float64 // from the file's xddot arrays
	if c.Order == 2 && strings.EqualFold(filepath.Ext(path), ".npz") {
		if ddx, err = readXDDot(path, ds); err != nil {
			return nil, "", err
		}
	}
	diff, err := c.differentiator()
	if err != nil {
		return nil, "", err
	}
	var estimated []string
	out := make([]AETrajectory, len(ds.Trajectories))
	for k, tr := range ds.Trajectories {
		t := tr.T
		if t == nil {
			t = make([]float64, len(tr.X))
			for i := range t {
				t[i] = float64(i) * tr.Dt
			}
		}
		a := AETrajectory{T: t, X: tr.X, DX: tr.Xdot}
		where := fmt.Sprintf("%s, trajectory %d", path, k+1)
		if a.DX == nil {
			if a.DX, err = diff.Differentiate(a.X, t); err != nil {
				return nil, "", fmt.Errorf("sindy-ae: %s: estimating ẋ with diff=%s: %w", where, c.Diff, err)
			}
			estimated = appendOnce(estimated, "ẋ")
		}
		if c.Order == 2 {
			if ddx != nil {
				a.DDX = ddx[k]
			} else {
				if a.DDX, err = diff.Differentiate(a.DX, t); err != nil {
					return nil, "", fmt.Errorf("sindy-ae: %s: estimating ẍ with diff=%s: %w", where, c.Diff, err)
				}
				estimated = appendOnce(estimated, "ẍ")
			}
		}
		if c.Scale != 1 {
			for _, m := range [][][]float64{a.X, a.DX, a.DDX} {
				for _, row := range m {
					for j := range row {
						row[j] *= c.Scale
					}
				}
			}
		}
		out[k] = a
	}
	src := "derivatives from the file"
	if len(estimated) > 0 {
		src = strings.Join(estimated, ", ") + " estimated (diff=" + c.Diff + ")"
	}
	return out, src, nil
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// readXDDot returns the second derivatives of an .npz data set: the arrays xddot (one trajectory) or
// xddot0, xddot1, ... (one per trajectory x0, x1, ...), or nil when it has none.
func readXDDot(path string, ds *dataio.Dataset) ([][][]float64, error) {
	arrays, err := dataio.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("sindy-ae: %w", err)
	}
	var names []string
	for name := range arrays {
		if s, ok := strings.CutPrefix(name, "xddot"); ok && strings.Trim(s, "0123456789") == "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	want := func(k int) string {
		if _, single := arrays["x"]; single {
			return "xddot"
		}
		return "xddot" + strconv.Itoa(k)
	}
	out := make([][][]float64, len(ds.Trajectories))
	for k, tr := range ds.Trajectories {
		a, ok := arrays[want(k)]
		if !ok {
			sort.Strings(names)
			return nil, fmt.Errorf("sindy-ae: %s: no array %s for trajectory %d (found %v): give ẍ for every trajectory or for none",
				path, want(k), k+1, names)
		}
		if len(a.Shape) == 1 {
			a = &dataio.Array{Shape: []int{a.Shape[0], 1}, Data: a.Data}
		}
		if len(a.Shape) != 2 || a.Shape[0] != len(tr.X) || a.Shape[1] != len(tr.X[0]) {
			return nil, fmt.Errorf("sindy-ae: %s: array %s has shape %v, want [%d %d] as its trajectory", path, want(k), a.Shape, len(tr.X), len(tr.X[0]))
		}
		m, err := a.ToMatrix()
		if err != nil {
			return nil, fmt.Errorf("sindy-ae: %s: %s: %w", path, want(k), err)
		}
		for i, row := range m {
			for j, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("sindy-ae: %s: %s[%d, %d] = %g: values must be finite", path, want(k), i, j, v)
				}
			}
		}
		out[k] = m
	}
	if len(names) != len(out) {
		return nil, fmt.Errorf("sindy-ae: %s: %d xddot arrays for %d trajectories", path, len(names), len(out))
	}
	return out, nil
}

// Splits loads the training, validation and test sets (see SINDyData).
func (c *SINDyData) Splits() (train, val, test *AESplit, err error) {
	if err := c.Validate(); err != nil {
		return nil, nil, nil, err
	}
	trajs, deriv, err := c.readTrajectories(c.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	from := func(name, path string) (*AESplit, error) {
		t, d, err := c.readTrajectories(path)
		if err != nil {
			return nil, err
		}
		return &AESplit{Name: name, Trajectories: t, Source: fmt.Sprintf("%s, %d trajectories", path, len(t)), Derivatives: d}, nil
	}
	if c.Val != "" {
		if val, err = from("validation", c.Val); err != nil {
			return nil, nil, nil, err
		}
	}
	if c.Test != "" {
		if test, err = from("test", c.Test); err != nil {
			return nil, nil, nil, err
		}
	}
	vf, tf := c.ValFraction, c.TestFraction
	if val != nil {
		vf = 0
	}
	if test != nil {
		tf = 0
	}
	train = &AESplit{Name: "training", Derivatives: deriv}
	carved := map[string]*AESplit{}
	n := len(trajs)
	switch {
	case vf == 0 && tf == 0:
		train.Trajectories, train.Source = trajs, fmt.Sprintf("%s, %d trajectories", c.Data, n)
	case n >= 3:
		nv, nt := heldOut(vf, n), heldOut(tf, n)
		if n-nv-nt < 1 {
			return nil, nil, nil, fmt.Errorf("sindy-ae: %s has %d trajectories: none left for training after %d for validation and %d for testing; lower val_fraction, test_fraction",
				c.Data, n, nv, nt)
		}
		nTrain := n - nv - nt
		train.Trajectories, train.Source = trajs[:nTrain], fmt.Sprintf("%s, trajectories 1-%d", c.Data, nTrain)
		if nv > 0 {
			carved["validation"] = &AESplit{Name: "validation", Trajectories: trajs[nTrain : nTrain+nv],
				Source: fmt.Sprintf("%s, trajectories %d-%d", c.Data, nTrain+1, nTrain+nv), Derivatives: deriv}
		}
		if nt > 0 {
			carved["test"] = &AESplit{Name: "test", Trajectories: trajs[nTrain+nv:],
				Source: fmt.Sprintf("%s, trajectories %d-%d", c.Data, nTrain+nv+1, n), Derivatives: deriv}
		}
	default: // one or two trajectories: the last fractions of each in time
		v := &AESplit{Name: "validation", Derivatives: deriv}
		te := &AESplit{Name: "test", Derivatives: deriv}
		for k, tr := range trajs {
			T := len(tr.X)
			a := int(math.Round(float64(T) * (1 - vf - tf)))
			b := int(math.Round(float64(T) * (1 - tf)))
			if a < 3 || (vf > 0 && b-a < 3) || (tf > 0 && T-b < 3) {
				return nil, nil, nil, fmt.Errorf("sindy-ae: %s, trajectory %d: %d samples are too few to split in time (val_fraction %g, test_fraction %g) into parts of at least 3; give more samples, or val and test files",
					c.Data, k+1, T, vf, tf)
			}
			train.Trajectories = append(train.Trajectories, sliceTraj(tr, 0, a))
			if vf > 0 {
				v.Trajectories = append(v.Trajectories, sliceTraj(tr, a, b))
			}
			if tf > 0 {
				te.Trajectories = append(te.Trajectories, sliceTraj(tr, b, T))
			}
		}
		pct := func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
		train.Source = fmt.Sprintf("%s, the first %s of the samples of its %d trajectories", c.Data, pct(1-vf-tf), n)
		v.Source = fmt.Sprintf("%s, the %s after the training samples", c.Data, pct(vf))
		te.Source = fmt.Sprintf("%s, the last %s of the samples", c.Data, pct(tf))
		if vf > 0 {
			carved["validation"] = v
		}
		if tf > 0 {
			carved["test"] = te
		}
	}
	if val == nil {
		val = carved["validation"]
	}
	if test == nil {
		test = carved["test"]
	}
	dim := len(trajs[0].X[0])
	for _, s := range []*AESplit{val, test} {
		if d := len(s.Trajectories[0].X[0]); d != dim {
			return nil, nil, nil, fmt.Errorf("sindy-ae: %s has snapshots of %d values, %s of %d: they must match", s.Source, d, c.Data, dim)
		}
	}
	return train, val, test, nil
}

// heldOut is the number of the n trajectories that fraction f holds out: round(f·n), at least one
// when f > 0.
func heldOut(f float64, n int) int {
	if f == 0 {
		return 0
	}
	return max(1, int(math.Round(f*float64(n))))
}

func sliceTraj(tr AETrajectory, a, b int) AETrajectory {
	s := AETrajectory{T: tr.T[a:b], X: tr.X[a:b], DX: tr.DX[a:b]}
	if tr.DDX != nil {
		s.DDX = tr.DDX[a:b]
	}
	return s
}

// dataHash is the SHA-256 of the training and validation arrays: what a checkpoint was trained on.
func dataHash(train, val autoencoder.Data) string {
	h := sha256.New()
	buf := make([]byte, 4)
	for _, d := range []autoencoder.Data{train, val} {
		binary.LittleEndian.PutUint32(buf, uint32(d.Dim))
		h.Write(buf)
		for _, a := range [][]float32{d.X, d.DX, d.DDX} {
			binary.LittleEndian.PutUint32(buf, uint32(len(a)))
			h.Write(buf)
			for _, v := range a {
				binary.LittleEndian.PutUint32(buf, math.Float32bits(v))
				h.Write(buf)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkDataHash records the hash of the training data in dir/data.sha256, or, when the file is
// there (a run to resume), checks that the data are the same.
func checkDataHash(dir, hash string) error {
	path := filepath.Join(dir, "data.sha256")
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return diskcache.WriteBytes(path, []byte(hash+"\n"))
	case err != nil:
		return fmt.Errorf("sindy-ae: %w", err)
	}
	if got := strings.TrimSpace(string(b)); got != hash {
		return fmt.Errorf("sindy-ae: the checkpoints in %s were trained on other data (%s holds %.12s…, these data hash to %.12s…): use another --out, or delete %s to start over",
			dir, path, got, hash[:12], dir)
	}
	return nil
}

func init() {
	Register(&Experiment{
		Name:     "sindy-ae",
		Title:    "SINDy autoencoder on your data: coordinates and sparse equations from snapshots in a file",
		Paper:    "Champion et al. 2019",
		Notebook: "notebooks/your_data.ipynb",
		Figures:  []string{"data and derivatives", "loss and active terms", "learned Ξ", "encoded and simulated test trajectories"},
		Config:   func(quick bool) any { return SINDyDataConfig(quick) },
		Data:     aeData,
		Train:    aeTrain,
		Eval:     aeEval,
		// The shorthand flags of the command: --data FILE --latent 2 --order 1.
		Flags:   []string{"data", "latent", "order", "poly"},
		Success: []Check{{Flag: "sparse", Metric: "active_terms", Op: "<=", Bound: 10}},
		Select:  Selection{Metric: "val_loss", AmongSuccessful: true, Source: "Champion et al. 2019"},
		Metrics: []string{"val_loss", "active_terms", "test_rel_x", "test_rel_dx", "test_rel_dz", "test_sim_rel_z"},
	})
}

// aeData loads and summarises the three sets.
func aeData(r *Run) (*Summary, error) {
	c, err := sindyConfig[SINDyData](r)
	if err != nil {
		return nil, err
	}
	train, val, test, err := c.Splits()
	if err != nil {
		return nil, err
	}
	s := &Summary{}
	for _, sp := range []*AESplit{train, val, test} {
		d := sp.Data()
		rms := 0.0
		for _, v := range d.X {
			rms += float64(v) * float64(v)
		}
		rms = math.Sqrt(rms / float64(len(d.X)))
		s.Add("%-10s %4d trajectories, %d samples of %d values (%s; %s); rms(x) = %.3g", sp.Name, len(sp.Trajectories), d.N, d.Dim,
			sp.Source, sp.Derivatives, rms)
		key := map[string]string{"training": "train", "validation": "val", "test": "test"}[sp.Name]
		s.Set(key+"_samples", float64(d.N))
		s.Set(key+"_rms_x", rms)
		if sp == train && (rms > 10 || rms < 1e-2) {
			s.Add("note: the paper's sigmoid networks want snapshots of order 1; try --set scale=%.3g", c.Scale/rms)
		}
	}
	s.Set("dim", float64(len(train.Trajectories[0].X[0])))
	return s, nil
}

// aeFit trains (or resumes, or loads) the ensemble in r's output directory and returns the selected
// member, its index among the candidates and the data.
func aeFit(r *Run, c *SINDyData, show bool, log io.Writer) ([]autoencoder.Candidate, int, *AESplit, error) {
	train, val, test, err := c.Splits()
	if err != nil {
		return nil, -1, nil, err
	}
	tr, va := train.Data(), val.Data()
	m, err := c.Model(tr.Dim)
	if err != nil {
		return nil, -1, nil, err
	}
	dir, err := r.OutDir("sindy-ae")
	if err != nil {
		return nil, -1, nil, err
	}
	if err := checkDataHash(dir, dataHash(tr, va)); err != nil {
		return nil, -1, nil, err
	}
	if log != nil {
		fmt.Fprintf(log, "data: %d training samples (%s), %d validation samples (%s) of %d values; %s; checkpoints: %s\n",
			tr.N, train.Source, va.N, val.Source, tr.Dim, train.Derivatives, dir)
	}
	cands, best, err := autoencoder.TrainEnsemble(m, c.Ensemble, tr, va, autoencoder.EnsembleOptions{
		CheckpointDir: dir, Show: show, Log: log, MaxDuration: r.MaxTime})
	if err != nil {
		return nil, -1, nil, err
	}
	if log != nil && len(cands) > 1 {
		for i, cd := range cands {
			mark := " "
			if i == best {
				mark = "*"
			}
			fmt.Fprintf(log, "%s seed %d: validation loss %.3e, %d active terms\n", mark, cd.Seed, cd.Val.Loss, cd.Active)
		}
	}
	return cands, best, test, nil
}

func aeTrain(r *Run) (*Summary, error) { return SINDyDataTrain(r, false) }

// SINDyDataTrain is Train of sindy-ae (r.Config a *SINDyData): it trains, resumes or loads the
// ensemble in r.OutDir("sindy-ae") and writes the selected model with its summary and exports
// (ExportSINDy) there. show draws a progress bar and a live loss chart per member (in a notebook).
func SINDyDataTrain(r *Run, show bool) (*Summary, error) {
	c, err := sindyConfig[SINDyData](r)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	cands, best, test, err := aeFit(r, c, show, r.Log)
	if err != nil {
		return nil, err
	}
	m, st := cands[best].Model, cands[best].State
	s, err := finishSINDy("sindy-ae", r, m, st, test.Data(), map[string]any{
		"wall_seconds": time.Since(t0).Seconds(), "selected_seed": m.Config().Seed, "ensemble": c.Ensemble,
		"data": c.Data, "test": test.Source, "derivatives": test.Derivatives})
	if err != nil {
		return nil, err
	}
	dir, err := r.OutDir("sindy-ae")
	if err != nil {
		return nil, err
	}
	if err := ExportSINDy(dir, m); err != nil {
		return nil, err
	}
	s.Add("exported weights.npz, model.json, equations.tex")
	s.Set("selected_seed", float64(m.Config().Seed))
	simulateTest(s, m, test)
	return s, nil
}

// ExportSINDy writes a trained SINDy autoencoder's exports to dir: weights.npz (the networks and Ξ
// with PyTorch names, autoencoder.Model.ExportNPZ), model.json (the discovered latent model in
// classical SINDy's JSON: features, coefficients, equations; sindy.LoadModelJSON reads it) and
// equations.tex (its LaTeX). Each file is written atomically.
func ExportSINDy(dir string, m *autoencoder.Model) error {
	if err := m.ExportNPZ(filepath.Join(dir, "weights.npz")); err != nil {
		return err
	}
	sm, err := m.SINDy()
	if err != nil {
		return err
	}
	if err := sm.SaveJSON(filepath.Join(dir, "model.json")); err != nil {
		return fmt.Errorf("experiments: %w", err)
	}
	return diskcache.WriteBytes(filepath.Join(dir, "equations.tex"), []byte(sm.LaTeX()+"\n"))
}

// aeEval evaluates the trained model (r.Model, else r.Out, else the output directory of the
// configuration's run) on the test set: the paper's errors, the equations, and the discovered model
// simulated along the test trajectories (simulateTest).
func aeEval(r *Run) (*Summary, error) {
	c, err := sindyConfig[SINDyData](r)
	if err != nil {
		return nil, err
	}
	var test *AESplit
	rr := *r
	if rr.Model == "" && rr.Out == "" {
		if rr.Model, err = r.OutDir("sindy-ae"); err != nil {
			return nil, err
		}
	}
	ev, s, err := startEval("sindy-ae", &rr, func(*autoencoder.Model, *Summary) (autoencoder.Data, string, error) {
		_, _, t, err := c.Splits()
		if err != nil {
			return autoencoder.Data{}, "", err
		}
		test = t
		return t.Data(), "the test set (" + t.Source + "; " + t.Derivatives + ")", nil
	})
	if err != nil {
		return nil, err
	}
	simulateTest(s, ev.Model, test)
	return s, nil
}

// simulateTest integrates the discovered model from the encoded first state of each test trajectory
// (at most 20) over its times and compares it with the encoder's z(t): metrics test_sim_rel_z (the
// median over trajectories of ‖z_sim − z_enc‖ / ‖z_enc − mean z_enc‖) and simulations_failed.
func simulateTest(s *Summary, m *autoencoder.Model, test *AESplit) {
	sm, err := m.SINDy()
	if err != nil {
		s.Add("no simulation: %v", err)
		return
	}
	d := m.Config().LatentDim
	var errs []float64
	failed, why := 0, ""
	for k, tr := range test.Trajectories {
		if k == 20 {
			break
		}
		one := (&AESplit{Trajectories: []AETrajectory{tr}}).Data()
		z, dz, err := m.Encode(one)
		if err != nil {
			s.Add("no simulation: %v", err)
			return
		}
		z0 := slices.Clone(z[0])
		if m.Config().ModelOrder == 2 {
			z0 = append(z0, dz[0]...)
		}
		ts := make([]float64, len(tr.T))
		for i := range ts {
			ts[i] = tr.T[i] - tr.T[0]
		}
		sim, err := sm.Simulate(z0, ts)
		if err != nil || len(sim) != len(z) {
			if failed == 0 {
				why = fmt.Sprintf("test trajectory %d: %v", k+1, err)
			}
			failed++
			continue
		}
		var num, den float64
		mean := make([]float64, d)
		for _, row := range z {
			for j := range d {
				mean[j] += row[j] / float64(len(z))
			}
		}
		for i, row := range z {
			for j := range d {
				num += (sim[i][j] - row[j]) * (sim[i][j] - row[j])
				den += (row[j] - mean[j]) * (row[j] - mean[j])
			}
		}
		errs = append(errs, math.Sqrt(num/max(den, 1e-300)))
	}
	s.Set("simulations_failed", float64(failed))
	if len(errs) == 0 {
		s.Add("the discovered model could not be simulated along any test trajectory (%s)", why)
		return
	}
	slices.Sort(errs)
	med := errs[len(errs)/2]
	if len(errs)%2 == 0 {
		med = (errs[len(errs)/2-1] + errs[len(errs)/2]) / 2
	}
	s.Set("test_sim_rel_z", med)
	s.Add("discovered model simulated from the encoded start of %d test trajectories: median relative error in z %.3g (%d failed)",
		len(errs), med, failed)
	if failed > 0 {
		s.Add("  first failure: %s", why)
	}
}
