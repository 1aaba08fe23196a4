package led

import (
	"math"
	"testing"
)

// TestStrideHelpers: every k-th frame ending with the last one, and linear interpolation of the
// latent vectors between strided steps.
func TestStrideHelpers(t *testing.T) {
	frames := []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6} // 7 frames of 2
	got := strideFrames(frames, 2, 3)
	want := []float32{0, 0, 3, 3, 6, 6}
	if len(got) != len(want) {
		t.Fatalf("strideFrames = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("strideFrames = %v, want %v", got, want)
		}
	}
	if got := strideFrames(frames[:12], 2, 3); got[0] != 2 || len(got) != 4 { // 6 frames: 2 and 5
		t.Fatalf("strideFrames of 6 frames = %v, want frames 2 and 5", got)
	}
	// z0 = 0 at frame 0, latents 3 and 6 at frames 3 and 6 (k = 3): frames 1..5 interpolate.
	z := interpolate([]float32{0}, []float32{3, 6}, 1, 3, 5)
	for i, v := range z {
		if math.Abs(float64(v)-float64(i+1)) > 1e-6 {
			t.Fatalf("interpolate = %v, want 1 2 3 4 5", z)
		}
	}
}

// TestAlternationWithStride: a propagator on every other latent vector; the alternation keeps its
// schedule, passes the micro solver's frames through and forecasts the travelling bump about as
// well as the one-step model.
func TestAlternationWithStride(t *testing.T) {
	const n = 16
	ae, p := travellingLED(t, 120, 2)
	truth := travelling(80, n, 1.3)
	l := &LED{AE: ae, Prop: p, Stride: 2}
	warm := truth[:20*n]
	if _, err := l.Alternate(warm, AlternationConfig{Macro: 5, Micro: 4, Horizon: 40}, func(from []float32, k int) ([]float32, error) {
		return make([]float32, k*n), nil
	}); err == nil {
		t.Error("T_m = 5 with stride 2: no error")
	}
	step := 20
	res, err := l.Alternate(warm, AlternationConfig{Macro: 10, Micro: 4, Horizon: 42}, func(from []float32, k int) ([]float32, error) {
		out := truth[(step+10)*n : (step+10+k)*n]
		step += 14
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Frames) != 42*n || len(res.Macro) != 42 {
		t.Fatalf("%d frames, %d flags, want 42", len(res.Frames)/n, len(res.Macro))
	}
	for i, m := range res.Macro {
		if m != (i%14 < 10) {
			t.Fatalf("step %d macro=%v", i, m)
		}
	}
	if res.Frames[11*n+5] != truth[(20+11)*n+5] {
		t.Error("micro frames were not passed through")
	}
	rel, _ := RelativeError(res.Frames[:10*n], truth[20*n:30*n])
	t.Logf("stride 2: first macro block relative error %.3f", rel)
	if rel > 0.5 {
		t.Errorf("stride 2: first macro block relative error %.3f > 0.5", rel)
	}
	_, frames, err := l.Forecast(warm, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 9*n {
		t.Fatalf("strided forecast: %d frames, want 9", len(frames)/n)
	}
}

// TestEncodeStridedSmoothsFirst: with a Smoother, the strided warm-up is the smoothed series of all
// frames sampled every k-th frame (ending with the last), not the smoothing of the sampled frames.
func TestEncodeStridedSmoothsFirst(t *testing.T) {
	p, err := PropagatorFromConfig(PropagatorConfig{Dim: 1, LSTM: []int{4}, Window: 4}).Done()
	if err != nil {
		t.Fatal(err)
	}
	sg, err := NewSavGol(5, 2, EdgeMirror)
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]float32, 30)
	for i := range frames {
		frames[i] = float32(i*i%7) + 0.1*float32(i) // jagged: smoothing changes it
	}
	l := &LED{Identity: true, Prop: p, Smoother: sg, Stride: 4}
	got, err := l.encodeStrided(frames, 4)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sg.SmoothColumns(frames, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := strideFrames(sm, 1, 4)
	if len(got) != len(want) || len(want) != 8 {
		t.Fatalf("encodeStrided: %d values, want %d (8 = frames 1, 5, ..., 29)", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("encodeStrided[%d] = %v, want %v (smoothed then strided)", i, got[i], want[i])
		}
	}
	// Without the smoother, only the strided frames are encoded (here: passed through).
	l.Smoother = nil
	if got, err = l.encodeStrided(frames, 4); err != nil || got[0] != frames[1] || got[len(got)-1] != frames[29] {
		t.Fatalf("encodeStrided without smoother = %v, %v; want frames 1, 5, ..., 29", got, err)
	}
}
