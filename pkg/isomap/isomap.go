// Package isomap computes Isomap coordinates (Tenenbaum, de Silva & Langford, Science 2000): the
// low-dimensional coordinates of points that lie on a curved manifold in a high-dimensional
// space, from the shortest paths of their k-nearest-neighbour graph (geodesic distances) and
// classical multidimensional scaling. For snapshots of a system whose state is a few numbers
// rendered into many (the SINDy autoencoder's pendulum movies: 2601 pixels, one angle), the
// coordinates are the state up to an isometry: the pendulum's angle up to shift and sign.
// Package sindy/autoencoder uses them to start an encoder at the manifold's coordinates.
package isomap

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Options control Embed; the zero value gives the defaults.
type Options struct {
	// Neighbors is k of the k-nearest-neighbour graph (0: the smallest k >= MinNeighbors that makes
	// the graph connected, at most MaxNeighbors).
	Neighbors int
	// MinNeighbors and MaxNeighbors bound the automatic choice of k (defaults 8 and 64).
	MinNeighbors, MaxNeighbors int
}

// Result holds the Isomap coordinates of the points.
type Result struct {
	Coords    [][]float64 // [n][dim], centred; coordinate j has variance Eigen[j]/n.
	Neighbors int         // The k used.
	// Eigen are the eigenvalues of the doubly centred matrix of squared geodesic distances, the
	// dim largest first; Residual is the share of that matrix's squared Frobenius norm the dim
	// coordinates leave unexplained (0: the geodesic distances are exactly Euclidean in dim dimensions).
	Eigen    []float64
	Residual float64
}

// ErrDisconnected is returned (wrapped) when the neighbour graph has more than one component.
var ErrDisconnected = errors.New("isomap: the neighbour graph is disconnected")

// Embed returns the dim-dimensional Isomap coordinates of the n points x (row-major, n × d).
func Embed(x []float64, n, d, dim int, opts Options) (*Result, error) {
	switch {
	case n < 3:
		return nil, fmt.Errorf("isomap: n=%d points; need at least 3", n)
	case d < 1:
		return nil, fmt.Errorf("isomap: d=%d; the dimension must be >= 1", d)
	case len(x) != n*d:
		return nil, fmt.Errorf("isomap: x has %d values, want n·d = %d·%d = %d", len(x), n, d, n*d)
	case dim < 1 || dim >= n:
		return nil, fmt.Errorf("isomap: dim=%d; want 1 <= dim < n = %d", dim, n)
	case opts.Neighbors < 0 || opts.MinNeighbors < 0 || opts.MaxNeighbors < 0:
		return nil, fmt.Errorf("isomap: Options %+v: neighbour counts must be >= 0", opts)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("isomap: x[%d] (point %d) is %g; the points must be finite", i, i/d, v)
		}
	}
	lo, hi := opts.MinNeighbors, opts.MaxNeighbors
	if lo == 0 {
		lo = 8
	}
	if hi == 0 {
		hi = 64
	}
	if opts.Neighbors > 0 {
		lo, hi = opts.Neighbors, opts.Neighbors
	}
	hi = min(hi, n-1)
	lo = min(lo, hi)
	if lo > hi {
		return nil, fmt.Errorf("isomap: Options %+v: MinNeighbors > MaxNeighbors", opts)
	}
	dist := distances(x, n, d)
	near := nearest(dist, n, hi)
	k := lo
	for ; k <= hi && !connected(near, n, k); k++ {
	}
	if k > hi {
		return nil, fmt.Errorf("%w with up to %d neighbours of %d points (clusters apart, or too few points along the manifold)", ErrDisconnected, hi, n)
	}
	geo := geodesics(dist, near, n, k)
	res := mds(geo, n, dim)
	res.Neighbors = k
	return res, nil
}

// distances returns the n × n Euclidean distances of the rows of x.
func distances(x []float64, n, d int) []float64 {
	g := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
	a := blas64.General{Rows: n, Cols: d, Stride: d, Data: x}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, a, 0, g)
	dist := g.Data
	for i := range n {
		for j := i + 1; j < n; j++ {
			v := math.Sqrt(max(0, g.Data[i*n+i]+g.Data[j*n+j]-2*g.Data[i*n+j]))
			dist[i*n+j] = v
		}
	}
	for i := range n {
		dist[i*n+i] = 0
		for j := i + 1; j < n; j++ {
			dist[j*n+i] = dist[i*n+j]
		}
	}
	return dist
}

// nearest returns, per point, the indices of its k nearest other points, nearest first.
func nearest(dist []float64, n, k int) [][]int {
	out := make([][]int, n)
	idx := make([]int, n)
	for i := range n {
		idx = idx[:0]
		for j := range n {
			if j != i {
				idx = append(idx, j)
			}
		}
		row := dist[i*n : (i+1)*n]
		sort.Slice(idx, func(a, b int) bool { return row[idx[a]] < row[idx[b]] })
		out[i] = append([]int(nil), idx[:k]...)
	}
	return out
}

// connected reports whether the symmetric k-nearest-neighbour graph is connected.
func connected(near [][]int, n, k int) bool {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	comps := n
	for i := range n {
		for _, j := range near[i][:k] {
			if a, b := find(i), find(j); a != b {
				parent[a] = b
				comps--
			}
		}
	}
	return comps == 1
}

// geodesics returns the shortest-path distances of the symmetric k-nearest-neighbour graph
// (Dijkstra from every point, the sources split over the cores).
func geodesics(dist []float64, near [][]int, n, k int) []float64 {
	adj := make([][]int, n)
	for i := range n {
		for _, j := range near[i][:k] {
			adj[i] = append(adj[i], j)
			adj[j] = append(adj[j], i)
		}
	}
	geo := make([]float64, n*n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make([]bool, n)
			for s := range next {
				row := geo[s*n : (s+1)*n]
				for i := range row {
					row[i], done[i] = math.Inf(1), false
				}
				row[s] = 0
				q := &queue{{s, 0}}
				for q.Len() > 0 {
					it := heap.Pop(q).(item)
					if done[it.node] {
						continue
					}
					done[it.node] = true
					for _, j := range adj[it.node] {
						if nd := it.dist + dist[it.node*n+j]; nd < row[j] {
							row[j] = nd
							heap.Push(q, item{j, nd})
						}
					}
				}
			}
		}()
	}
	for s := range n {
		next <- s
	}
	close(next)
	wg.Wait()
	return geo
}

type item struct {
	node int
	dist float64
}

type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// mds is classical multidimensional scaling of the distances geo: the dim leading eigenvectors of
// B = -½ J geo² J (J the centring), scaled by the square roots of their eigenvalues, found by
// subspace iteration on B.
func mds(geo []float64, n, dim int) *Result {
	b := make([]float64, n*n)
	rowMean := make([]float64, n)
	var all float64
	for i := range n {
		var s float64
		for j := range n {
			v := geo[i*n+j] * geo[i*n+j]
			b[i*n+j] = v
			s += v
		}
		rowMean[i] = s / float64(n)
		all += s
	}
	all /= float64(n * n)
	var frob float64
	for i := range n {
		for j := range n {
			v := -0.5 * (b[i*n+j] - rowMean[i] - rowMean[j] + all)
			b[i*n+j] = v
			frob += v * v
		}
	}
	// Subspace iteration with Rayleigh-Ritz: V ← orth(B V), then V rotated to the eigenvectors of
	// Vᵀ B V. It converges to the eigenvalues largest in magnitude; the extra vectors hold the
	// (small) negative ones that geodesic distances give, and the coordinates take the largest
	// positive ones.
	p := min(n, dim+6)
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, p*n) // row j is vector j
	for i := range v {
		v[i] = r.NormFloat64()
	}
	orthonormalise(v, n, p)
	bm := blas64.General{Rows: n, Cols: n, Stride: n, Data: b}
	w := make([]float64, p*n)
	mulB := func(dst, src []float64) { // rows of dst = B · rows of src (B symmetric)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, blas64.General{Rows: p, Cols: n, Stride: n, Data: src}, bm,
			0, blas64.General{Rows: p, Cols: n, Stride: n, Data: dst})
	}
	eig := make([]float64, p)
	rot := make([]float64, p*n)
	for it := 0; it < 1000; it++ {
		mulB(w, v)
		// Ritz step on span(v): H = Vᵀ B V.
		h := mat.NewSymDense(p, nil)
		for a := range p {
			for c := a; c < p; c++ {
				h.SetSym(a, c, dot(v[a*n:(a+1)*n], w[c*n:(c+1)*n]))
			}
		}
		var es mat.EigenSym
		if !es.Factorize(h, true) {
			break
		}
		vals := es.Values(nil)
		var vecs mat.Dense
		es.VectorsTo(&vecs)
		order := make([]int, p)
		for j := range order {
			order[j] = j
		}
		sort.Slice(order, func(a, c int) bool { return vals[order[a]] > vals[order[c]] })
		// Residuals ‖B u - θ u‖ of the Ritz pairs u = V y, B u = W y.
		conv := true
		for jj := range p {
			j := order[jj]
			eig[jj] = vals[j]
			u := rot[jj*n : (jj+1)*n]
			var res float64
			for t := range n {
				var uv, wv float64
				for a := range p {
					y := vecs.At(a, j)
					uv += y * v[a*n+t]
					wv += y * w[a*n+t]
				}
				u[t] = uv
				d := wv - vals[j]*uv
				res += d * d
			}
			if jj < dim && math.Sqrt(res) > 1e-9*math.Abs(vals[order[0]]) {
				conv = false
			}
		}
		if conv {
			copy(v, rot)
			break
		}
		// Next iterate: orth(B V) (Ritz-rotated, so the columns stay ordered).
		for jj := range p {
			j := order[jj]
			u := rot[jj*n : (jj+1)*n]
			for t := range n {
				var wv float64
				for a := range p {
					wv += vecs.At(a, j) * w[a*n+t]
				}
				u[t] = wv
			}
		}
		copy(v, rot)
		orthonormalise(v, n, p)
	}
	res := &Result{Coords: make([][]float64, n), Eigen: make([]float64, dim)}
	for i := range n {
		res.Coords[i] = make([]float64, dim)
	}
	explained := 0.0
	for j := range dim {
		l := eig[j]
		res.Eigen[j] = l
		explained += l * l
		s := math.Sqrt(max(l, 0))
		col := v[j*n : (j+1)*n]
		for i := range n {
			res.Coords[i][j] = s * col[i]
		}
	}
	if frob > 0 {
		res.Residual = max(0, 1-explained/frob)
	}
	return res
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// orthonormalise applies modified Gram-Schmidt to the p vectors of length n stored one after the other in v.
func orthonormalise(v []float64, n, p int) {
	for j := range p {
		c := v[j*n : (j+1)*n]
		for i := range j {
			u := v[i*n : (i+1)*n]
			d := dot(c, u)
			for t := range c {
				c[t] -= d * u[t]
			}
		}
		norm := math.Sqrt(dot(c, c))
		if norm == 0 {
			continue
		}
		for t := range c {
			c[t] /= norm
		}
	}
}
