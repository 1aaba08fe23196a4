package lnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dynlearn/dynlearn/pkg/systems"
)

func TestStatesEnergyBound(t *testing.T) {
	sys := systems.DefaultDoublePendulum()
	const n = 20000
	states, accels := make([]float64, 4*n), make([]float64, 2*n)

	// Without EnergyMax the box is sampled as the paper does: the same draws as before the option.
	box := DefaultStates(n, 5)
	sampleStates(box, rand.New(rand.NewPCG(5, 6)), states, accels)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 3 {
		want := []float64{rng.Float64() * 2 * math.Pi, rng.Float64() * 2 * math.Pi, (rng.Float64()*2 - 1) * 10, (rng.Float64()*2 - 1) * 10}
		for k := range want {
			if states[4*i+k] != want[k] {
				t.Fatalf("state %d = %v, want %v", i, states[4*i:4*i+4], want)
			}
		}
	}

	// Energy-bounded: every state has E <= 29.4, the accelerations match, and the states reach the
	// velocities a release at rest reaches (|θ̇2| > 12), outside the paper's box.
	c := EnergyShellStates(n, 5)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	sampleStates(c, rand.New(rand.NewPCG(7, 8)), states, accels)
	maxW2 := 0.0
	for i := range n {
		s := states[4*i : 4*i+4]
		if e := sys.Energy(s); e > c.EnergyMax {
			t.Fatalf("state %d has energy %g > %g", i, e, c.EnergyMax)
		}
		a1, a2 := sys.Accel(s[0], s[1], s[2], s[3])
		if accels[2*i] != a1 || accels[2*i+1] != a2 {
			t.Fatalf("state %d: accelerations %v, want %g %g", i, accels[2*i:2*i+2], a1, a2)
		}
		maxW2 = math.Max(maxW2, math.Abs(s[3]))
	}
	if maxW2 < 12 {
		t.Errorf("largest |θ̇2| %g: the energy shell reaches ~15", maxW2)
	}

	// A bound that keeps almost nothing is refused with a clear error.
	c.EnergyMax = -29.3
	if err := c.Validate(); err == nil {
		t.Error("EnergyMax just above the lowest energy accepted")
	}
	c.EnergyMax = math.NaN()
	if err := c.Validate(); err == nil {
		t.Error("NaN EnergyMax accepted")
	}
}
