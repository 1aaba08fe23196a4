package led

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building file, GoMLX convention
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/training"
)

// TrainEndToEnd trains the autoencoder and a unidirectional propagator jointly, as the original
// LED does: on windows of Prop.Config.Window+1 frames it minimises the mean of the reconstruction
// loss, the latent-forecast loss ‖ẑ_{t+1} - E(x_{t+1})‖² and the output-forecast loss
// ‖D(ẑ_{t+1}) - x_{t+1}‖². Both models must share one store (build the propagator with
// .Store(ae.Store())) and the propagator must not scale its latents (.Scale(false)). sequences are
// trajectories of frames ([T][AE.InSize()] each, already scaled as the autoencoder expects).
func TrainEndToEnd(ae *Autoencoder, p *Propagator, sequences, val [][]float32, cfg TrainConfig) (*TrainResult, error) {
	if ae == nil || p == nil {
		return nil, fmt.Errorf("led.TrainEndToEnd: the autoencoder (%v) and the propagator (%v) must not be nil", ae != nil, p != nil)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("led.TrainEndToEnd: %w", err)
	}
	if ae.store != p.store {
		return nil, fmt.Errorf("led.TrainEndToEnd: the autoencoder and the propagator must share a store (use PropagatorBuilder.Store)")
	}
	if p.Config.Bidirectional || p.Config.Scale {
		return nil, fmt.Errorf("led.TrainEndToEnd: needs a unidirectional propagator without latent scaling")
	}
	if p.Config.Dim != ae.Config.Latent {
		return nil, fmt.Errorf("led.TrainEndToEnd: propagator dimension %d != latent dimension %d", p.Config.Dim, ae.Config.Latent)
	}
	if ae.InSize() != ae.OutSize() {
		return nil, fmt.Errorf("led.TrainEndToEnd: needs an autoencoder with equal input and output shapes")
	}
	w, in := p.Config.Window, ae.InSize()
	frameDims := ae.Config.Input
	// The windows are their own targets: the dataset's targets are a dummy [1] per window.
	mk := func(ss [][]float32) (*dataset, error) {
		win, n, err := windows(ss, in, w)
		if err != nil {
			return nil, err
		}
		return newDataset(win, make([]float32, n), append([]int{w + 1}, frameDims...), []int{1})
	}
	train, err := mk(sequences)
	if err != nil {
		return nil, fmt.Errorf("led.TrainEndToEnd: %w", err)
	}
	var vd *dataset
	if len(val) > 0 {
		if vd, err = mk(val); err != nil {
			return nil, fmt.Errorf("led.TrainEndToEnd: validation data: %w", err)
		}
	}
	lat := ae.Config.Latent
	loss := func(scope *model.Scope, x, _ *Node) *Node {
		b := x.Shape().Dim(0)
		flat := Reshape(x, append([]int{b * (w + 1)}, frameDims...)...)
		z := ae.EncodeGraph(scope, flat)
		rec := lossFn(cfg.Loss, ae.DecodeGraph(scope, z), flat)
		zs := Reshape(z, b, w+1, lat)
		zp, _ := p.SequenceGraph(scope, Slice(zs, AxisRange(), AxisRange(0, w)), nil)
		target := Slice(zs, AxisRange(), AxisRange(1, w+1))
		dyn := lossFn(cfg.Loss, zp, StopGradient(target))
		xp := ae.DecodeGraph(scope, Reshape(zp, append([]int{b * w}, lat)...))
		xt := Reshape(Slice(x, AxisRange(), AxisRange(1, w+1)), append([]int{b * w}, frameDims...)...)
		fwd := lossFn(cfg.Loss, xp, xt)
		return DivScalar(Add(Add(rec, dyn), fwd), 3)
	}
	id := training.NewIdentity(kindEndToEnd, struct{ AE, Prop any }{ae.Config.shape(), p.Config.shape()})
	res, err := fit("led.TrainEndToEnd", id, ae.backend, ae.store, loss, train, vd, cfg)
	ae.encExec, ae.decExec = nil, nil
	p.seqExec, p.rollExec, p.winExec = nil, nil, nil
	return res, err
}
