package reactiondiffusion

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/dynlearn/dynlearn/internal/floats"
	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// Dataset is one split of the observed reaction-diffusion data: N() snapshots of the masked field
// uf = f·u and its exact time derivative duf = f·u_t, each a flattened Side×Side image (row-major,
// index r·Side + c is the point (X[c], Y[r])). Rows are in the order the reference feeds them to the
// model: the training and validation sets are randomly permuted (Config.Shuffle), the test set is in
// time order.
type Dataset struct {
	Side  int       // Grid points per side; Dim() = Side².
	Index []int     // Snapshot index of each row (0 = the first snapshot kept after Config.Drop).
	T     []float64 // Time of each row: the latent ground truth of this example is the time series itself.
	X     []float32 // N()×Dim(): uf = f·u.
	DX    []float32 // N()×Dim(): duf = f·u_t, from the right-hand side (exact).
}

// N returns the number of samples (snapshots).
func (d *Dataset) N() int { return len(d.T) }

// Dim returns the dimension of one sample, Side².
func (d *Dataset) Dim() int { return d.Side * d.Side }

// Row returns sample i of X (a view, not a copy). It panics if i is out of range, like a slice index.
func (d *Dataset) Row(i int) []float32 { return d.X[i*d.Dim() : (i+1)*d.Dim() : (i+1)*d.Dim()] }

// DRow returns sample i of DX (a view). It panics if i is out of range.
func (d *Dataset) DRow(i int) []float32 { return d.DX[i*d.Dim() : (i+1)*d.Dim() : (i+1)*d.Dim()] }

// Image returns sample i of X as a Side×Side float64 matrix (row 0 = y = -L/2), e.g. for
// plotting.ImageGrid.Add. It panics if i is out of range.
func (d *Dataset) Image(i int) [][]float64 { return floats.Matrix(d.Row(i), d.Side, d.Side) }

// DImage returns sample i of DX as a Side×Side float64 matrix. It panics if i is out of range.
func (d *Dataset) DImage(i int) [][]float64 { return floats.Matrix(d.DRow(i), d.Side, d.Side) }

// Data is the reaction-diffusion data set of Champion et al. (sindy.md §2c) for one Config.
type Data struct {
	Config Config
	Coords []float64 // The grid coordinates -L/2 + j·L/N on both axes.
	Mask   []float64 // The observation mask f (N×N, row-major).
	Times  []float64 // Times of all Snapshots() snapshots, in order.
	// Train, Val and Test are the splits (SplitSizes). Their X and DX have their own backing arrays.
	Train, Val, Test *Dataset
}

// slot says where snapshot k goes: which split and which row.
type slot struct {
	set *Dataset
	row int
}

// newData allocates the splits and the placement of every snapshot. The training/validation
// permutation follows the reference's loader (random=True): perm = permutation(int(0.9·s)),
// train = perm[:int(0.8·s)], validation = perm[int(0.8·s):], test = the remaining snapshots in order.
func newData(cfg Config) (*Data, []slot) {
	s := cfg.Snapshots()
	nTrain, nVal, nTest := cfg.SplitSizes()
	d := &Data{Config: cfg, Coords: Coords(cfg.N, cfg.L), Mask: cfg.Mask(), Times: make([]float64, s)}
	for k := range d.Times {
		d.Times[k] = float64(k+cfg.Drop) * cfg.Dt
	}
	mk := func(n int) *Dataset {
		return &Dataset{Side: cfg.N, Index: make([]int, n), T: make([]float64, n),
			X: make([]float32, n*cfg.Dim()), DX: make([]float32, n*cfg.Dim())}
	}
	d.Train, d.Val, d.Test = mk(nTrain), mk(nVal), mk(nTest)
	first := nTrain + nVal
	order := make([]int, first)
	for i := range order {
		order[i] = i
	}
	if cfg.Shuffle {
		r := rand.New(rand.NewPCG(cfg.Seed, 0x7264737031)) // "rdsp1"
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	slots := make([]slot, s)
	for pos, k := range order {
		if pos < nTrain {
			slots[k] = slot{d.Train, pos}
		} else {
			slots[k] = slot{d.Val, pos - nTrain}
		}
	}
	for k := first; k < s; k++ {
		slots[k] = slot{d.Test, k - first}
	}
	for k, sl := range slots {
		sl.set.Index[sl.row] = k
		sl.set.T[sl.row] = d.Times[k]
	}
	return d, slots
}

// addNoise adds the configured Gaussian noise to X and DX of every split (deterministic for the seed).
func (d *Data) addNoise() {
	if d.Config.Noise == 0 {
		return
	}
	r := rand.New(rand.NewPCG(d.Config.Seed, 0x6e6f697365)) // "noise"
	for _, set := range []*Dataset{d.Train, d.Val, d.Test} {
		for _, a := range [][]float32{set.X, set.DX} {
			for i := range a {
				a[i] = float32(float64(a[i]) + d.Config.Noise*r.NormFloat64())
			}
		}
	}
}

// observe writes uf = f·u and duf = f·u_t of a snapshot into x and dx (float64 arithmetic, float32 storage).
func observe(mask []float64, s Snapshot, x, dx []float32) {
	for i, f := range mask {
		x[i] = float32(f * s.U[i])
		dx[i] = float32(f * s.UT[i])
	}
}

// Generate simulates the system and builds the data set in memory (no disk cache; see Load). The
// paper configuration holds 2·9999·10^4 float32 values (800 MB) in the three splits.
func Generate(cfg Config) (*Data, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, slots := newData(cfg)
	err := Simulate(cfg, func(s Snapshot) error {
		k := s.K - cfg.Drop
		if k < 0 {
			return nil
		}
		sl := slots[k]
		observe(d.Mask, s, sl.set.Row(sl.row), sl.set.DRow(sl.row))
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.addNoise()
	return d, nil
}

// Load returns the data set for cfg, from the disk cache when it has been generated before. The cache
// file (CachePath) holds the noise-free observations uf and duf as little-endian float32, snapshot after
// snapshot; it is written while the solver runs (so generating never holds the whole series in memory
// twice) and atomically (temporary file + rename). The split and the noise are applied when loading.
func Load(cfg Config) (*Data, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	path, err := CachePath(cfg)
	if err != nil {
		return nil, err
	}
	d, slots := newData(cfg)
	err = readCache(path, cfg, slots)
	if errors.Is(err, fs.ErrNotExist) {
		if err = WriteCache(path, cfg); err != nil {
			return nil, err
		}
		err = readCache(path, cfg, slots)
	}
	if err != nil {
		return nil, err
	}
	d.addNoise()
	return d, nil
}

// CachePath returns the cache file of cfg's simulation: <cache dir>/reactiondiffusion/<key>.f32, where
// the key hashes the simulation part of the configuration (grid, physics, time, mask) but not the split,
// the noise or the seed.
func CachePath(cfg Config) (string, error) {
	key, err := diskcache.Key(cfg.simKey())
	if err != nil {
		return "", fmt.Errorf("reactiondiffusion: %w", err)
	}
	dir, err := config.CacheDir("reactiondiffusion")
	if err != nil {
		return "", fmt.Errorf("reactiondiffusion: %w", err)
	}
	return filepath.Join(dir, key+".f32"), nil
}

const (
	fileMagic   = "DLRDF32\n"
	fileVersion = 1
)

// fileHeader is the JSON header of a cache file.
type fileHeader struct {
	Key       simKey
	Snapshots int
	Dim       int
}

// WriteCache simulates cfg and writes the noise-free observations to path atomically: an 8-byte magic,
// a little-endian uint32 length and the JSON header, then for each kept snapshot Dim() float32 values
// of uf followed by Dim() values of duf (little-endian). Memory use is a few grids, whatever the size
// of the data set.
func WriteCache(path string, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	hdr, err := json.Marshal(fileHeader{Key: cfg.simKey(), Snapshots: cfg.Snapshots(), Dim: cfg.Dim()})
	if err != nil {
		return fmt.Errorf("reactiondiffusion: cache header: %w", err)
	}
	mask := cfg.Mask()
	x, dx := make([]float32, cfg.Dim()), make([]float32, cfg.Dim())
	buf := make([]byte, 4*cfg.Dim())
	err = diskcache.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if _, err := bw.WriteString(fileMagic); err != nil {
			return err
		}
		if err := binary.Write(bw, binary.LittleEndian, uint32(len(hdr))); err != nil {
			return err
		}
		if _, err := bw.Write(hdr); err != nil {
			return err
		}
		err := Simulate(cfg, func(s Snapshot) error {
			if s.K < cfg.Drop {
				return nil
			}
			observe(mask, s, x, dx)
			for _, a := range [][]float32{x, dx} {
				for i, v := range a {
					binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
				}
				if _, err := bw.Write(buf); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("reactiondiffusion: cache: %w", err)
	}
	return nil
}

// readCache reads a cache file into the slots. A missing file is returned as an error matching
// fs.ErrNotExist; a file for another configuration or of the wrong size is an error asking to delete it.
func readCache(path string, cfg Config, slots []slot) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("reactiondiffusion: cache file %s: %s (delete it to regenerate)", path, fmt.Sprintf(format, args...))
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(fileMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != fileMagic {
		return bad("not a reaction-diffusion cache file")
	}
	var hlen uint32
	if err := binary.Read(br, binary.LittleEndian, &hlen); err != nil || hlen > 1<<20 {
		return bad("bad header length")
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return bad("truncated header: %v", err)
	}
	var hdr fileHeader
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return bad("bad header: %v", err)
	}
	if hdr.Key != cfg.simKey() || hdr.Snapshots != cfg.Snapshots() || hdr.Dim != cfg.Dim() {
		return bad("written for another configuration %+v", hdr)
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reactiondiffusion: %w", err)
	}
	want := int64(len(fileMagic)) + 4 + int64(hlen) + int64(hdr.Snapshots)*2*4*int64(hdr.Dim)
	if st.Size() != want {
		return bad("size %d bytes, want %d", st.Size(), want)
	}
	buf := make([]byte, 4*hdr.Dim)
	for k := range hdr.Snapshots {
		sl := slots[k]
		for _, dst := range [][]float32{sl.set.Row(sl.row), sl.set.DRow(sl.row)} {
			if _, err := io.ReadFull(br, buf); err != nil {
				return bad("snapshot %d: %v", k, err)
			}
			for i := range dst {
				dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			}
		}
	}
	return nil
}
