package lnn

import (
	"math"
	"math/bits"
)

// The original code drew its evaluation initial conditions with JAX's default PRNG (Threefry-2x32,
// the non-partitionable bit layout of the JAX versions it ran on). PaperICs reproduces those draws bit
// for bit, so that our 40 initial conditions are the paper's 40.

// threefry2x32 is the Threefry-2x32 block cipher with 20 rounds (Random123; JAX's threefry_2x32 on one
// pair of counters): it encrypts the counter (x0, x1) under the key (k0, k1).
func threefry2x32(k0, k1, x0, x1 uint32) (uint32, uint32) {
	rot := [2][4]int{{13, 15, 26, 6}, {17, 29, 16, 24}}
	ks := [3]uint32{k0, k1, k0 ^ k1 ^ 0x1BD11BDA}
	x0 += ks[0]
	x1 += ks[1]
	for i := range 5 {
		for _, r := range rot[i%2] {
			x0 += x1
			x1 = bits.RotateLeft32(x1, r)
			x1 ^= x0
		}
		x0 += ks[(i+1)%3]
		x1 += ks[(i+2)%3] + uint32(i+1)
	}
	return x0, x1
}

// jaxPRNGKey is jax.random.PRNGKey(seed) for seeds below 2³²: the pair (0, seed).
func jaxPRNGKey(seed uint32) [2]uint32 { return [2]uint32{0, seed} }

// jaxUniform32 is jax.random.uniform(key, (n,)) in float32 of JAX's Threefry PRNG: the counters
// 0..n-1 (padded with a zero to even length) are split into halves that form the cipher's two words,
// and the top 23 bits of each output word become the mantissa of a float in [1, 2), minus 1.
func jaxUniform32(key [2]uint32, n int) []float32 {
	m := (n + 1) / 2
	words := make([]uint32, 2*m)
	for j := range m {
		c1 := uint32(m + j)
		if m+j >= n {
			c1 = 0 // the padding counter of an odd count
		}
		words[j], words[m+j] = threefry2x32(key[0], key[1], uint32(j), c1)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(words[i]>>9|0x3f800000) - 1
	}
	return out
}

// PaperICs returns the first n initial conditions of the original energy test (Cranmer's
// DoublePendulum notebook: for i in range(40), new_get_dataset(PRNGKey(i), ...)), reproduced bit for
// bit: (θ1, θ2) = uniform(PRNGKey(i), (1, 2))·2·π and (θ̇1, θ̇2) = uniform(PRNGKey(i)+1, (1, 2))·0.1,
// computed in float32 as in JAX and widened exactly to float64. So θ ~ U[0, 2π) and θ̇ ~ U[0, 0.1):
// released nearly at rest.
func PaperICs(n int) [][]float64 {
	ics := make([][]float64, n)
	for i := range ics {
		key := jaxPRNGKey(uint32(i))
		th := jaxUniform32(key, 2)
		om := jaxUniform32([2]uint32{key[0] + 1, key[1] + 1}, 2) // PRNGKey(i) + 1 adds 1 to both words
		ic := make([]float64, 4)
		for j := range 2 {
			ic[j] = float64(th[j] * 2 * float32(math.Pi))
			ic[2+j] = float64(om[j] * float32(0.1))
		}
		ics[i] = ic
	}
	return ics
}
