package training

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
)

// checkpointFile is what a checkpoint holds: every variable of a model.Store (weights, optimizer
// moments, global step), the caller's own state (gob-encoded) and, from version 2 on, the
// identity of the model (kind and configuration hash) and a SHA-256 checksum of all of it.
type checkpointFile struct {
	Version   int
	Kind      string
	Config    string
	Variables []savedVariable
	Meta      []byte
	Checksum  []byte
}

type savedVariable struct {
	Path       string
	DType      int32
	Dimensions []int
	Data       []byte
}

// shape returns the shape of a saved variable after checking what a corrupted (or crafted) file
// could get wrong: the dtype, the dimensions (non-negative, a size that does not overflow) and the
// number of bytes for them.
func (sv savedVariable) shape() (shapes.Shape, error) {
	dt := dtypes.DType(sv.DType)
	if sv.DType <= 0 || sv.DType >= int32(dtypes.MaxDType) || !dt.IsSupported() || dt.GoType() == nil {
		return shapes.Shape{}, fmt.Errorf("unknown dtype %d", sv.DType)
	}
	// A variable has at most 8 values per byte saved (packed 1-bit dtypes): a larger element count is
	// a lie, checked before any multiplication can overflow.
	limit := 8*len(sv.Data) + 8
	n := 1
	for _, d := range sv.Dimensions {
		if d < 0 {
			return shapes.Shape{}, fmt.Errorf("dimensions %v: a dimension is negative", sv.Dimensions)
		}
		if d > 0 && n > limit/d {
			return shapes.Shape{}, fmt.Errorf("dimensions %v: %d bytes saved cannot hold that many values", sv.Dimensions, len(sv.Data))
		}
		n *= d
	}
	shape := shapes.Make(dt, sv.Dimensions...)
	if shape.ByteSize() != int64(len(sv.Data)) {
		return shapes.Shape{}, fmt.Errorf("%d bytes saved for shape %s (%d bytes)", len(sv.Data), shape, shape.ByteSize())
	}
	return shape, nil
}

// checkpointVersion is the format written now: 2 added Kind, Config and Checksum.
const checkpointVersion = 2

// Identity says what a checkpoint holds: the kind of model ("lnn.Model", "led.Propagator") and a
// hash of the configuration that shapes its variables (NewIdentity). Save writes it into the
// checkpoint; Load refuses a checkpoint of another kind or configuration, naming both, and any
// checkpoint whose checksum does not match its contents.
//
// The zero Identity writes and checks no kind (anonymous checkpoints, as SaveCheckpoint and
// LoadCheckpoint use). Checkpoints written before identities existed (format version 1, no
// checksum) load only through an Identity with Legacy set (the shipped models' loaders) or an
// anonymous one.
type Identity struct {
	Kind   string
	Config string
	// Legacy accepts version-1 checkpoints, which carry no identity and no checksum.
	Legacy bool
}

// NewIdentity returns the identity of a model of the given kind whose variables are shaped by
// shape (any value diskcache.Key hashes: the configuration fields that decide the variables'
// shapes, not the schedule). It panics when shape cannot be hashed (a programming error).
func NewIdentity(kind string, shape any) Identity {
	k, err := diskcache.Key(shape)
	if err != nil {
		panic(fmt.Sprintf("training.NewIdentity(%q): %v", kind, err))
	}
	return Identity{Kind: kind, Config: k}
}

// String describes the identity for error messages.
func (id Identity) String() string {
	switch {
	case id.Kind == "":
		return "an unnamed model"
	case id.Config == "":
		return id.Kind
	}
	return fmt.Sprintf("%s (configuration %s)", id.Kind, id.Config)
}

// checksum hashes everything the file holds but the checksum itself.
func (cf *checkpointFile) checksum() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "dynlearn checkpoint %d\x00%s\x00%s\x00", cf.Version, cf.Kind, cf.Config)
	for _, v := range cf.Variables {
		fmt.Fprintf(h, "%s\x00%d\x00%v\x00%d\x00", v.Path, v.DType, v.Dimensions, len(v.Data))
		h.Write(v.Data)
	}
	fmt.Fprintf(h, "meta %d\x00", len(cf.Meta))
	h.Write(cf.Meta)
	return h.Sum(nil)
}

// SaveCheckpoint writes every variable of store, plus meta (anything encoding/gob encodes, such
// as a struct with the epoch, the loss History and the sparsity mask), to path atomically, as an
// anonymous checkpoint (Identity.Save writes one that knows its model). An interrupted save leaves
// the previous checkpoint intact.
func SaveCheckpoint(path string, store *model.Store, meta any) error {
	return Identity{}.Save(path, store, meta, nil)
}

// SaveVariables is SaveCheckpoint restricted to the variables whose path keep accepts (nil: all),
// for example a model's weights without the optimizer state, to ship a trained model.
func SaveVariables(path string, store *model.Store, meta any, keep func(path string) bool) error {
	return Identity{}.Save(path, store, meta, keep)
}

// Save writes the variables of store that keep accepts (nil: all) and meta (nil: none) to path
// atomically, with the identity and a checksum. Load reads the file.
func (id Identity) Save(path string, store *model.Store, meta any, keep func(path string) bool) error {
	cf := checkpointFile{Version: checkpointVersion, Kind: id.Kind, Config: id.Config}
	for v := range store.IterVariables() {
		if !v.HasValue() || (keep != nil && !keep(v.Path())) {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("checkpoint %s: variable %s: %w", path, v.Path(), err)
		}
		sv := savedVariable{Path: v.Path(), DType: int32(t.DType()), Dimensions: t.Shape().Dimensions}
		if err := t.ConstBytes(func(data []byte) { sv.Data = append([]byte(nil), data...) }); err != nil {
			return fmt.Errorf("checkpoint %s: variable %s: %w", path, v.Path(), err)
		}
		cf.Variables = append(cf.Variables, sv)
	}
	if meta != nil {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(meta); err != nil {
			return fmt.Errorf("checkpoint %s: metadata %T: %w", path, meta, err)
		}
		cf.Meta = buf.Bytes()
	}
	cf.Checksum = cf.checksum()
	if err := diskcache.Save(path, &cf); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint restores an anonymous (or any) checkpoint: Identity{}.Load, which checks the
// checksum but not the model kind. Models load through their own Identity.
func LoadCheckpoint(path string, store *model.Store, meta any) (found bool, err error) {
	return Identity{}.Load(path, store, meta)
}

// Load restores the variables saved at path into store (creating those that do not exist yet, so
// it can run before the model graph is built) and decodes the saved metadata into meta (a pointer
// to the type that was saved) when meta is not nil. It reports found=false, with no error, when
// there is no file (and found=false with an error when path cannot be read: a directory, say). It refuses, with an error naming both sides and changing nothing in store:
// a file that is not a checkpoint or is corrupted (checksum), a checkpoint of another model kind
// or configuration than id (when id names a kind), a version-1 checkpoint unless id.Legacy or id
// is anonymous, and a variable whose saved shape differs from the one already in store.
func (id Identity) Load(path string, store *model.Store, meta any) (found bool, err error) {
	var cf checkpointFile
	found, err = diskcache.Load(path, &cf)
	if !found {
		if err != nil { // there is something at path, but it cannot be read (a directory, no permission)
			return false, fmt.Errorf("checkpoint %s cannot be read: %w", path, err)
		}
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("checkpoint %s is corrupted or not a dynlearn checkpoint: %w", path, err)
	}
	switch {
	case cf.Version == 1:
		if id.Kind != "" && !id.Legacy {
			return true, fmt.Errorf("checkpoint %s was written before checkpoints recorded their model (format 1); "+
				"it cannot be checked to hold %s: retrain, or load it with Identity.Legacy", path, id)
		}
	case cf.Version == checkpointVersion:
		if !bytes.Equal(cf.Checksum, cf.checksum()) {
			return true, fmt.Errorf("checkpoint %s is corrupted: its checksum does not match its contents", path)
		}
		if id.Kind != "" && cf.Kind != id.Kind {
			return true, fmt.Errorf("checkpoint %s holds %s, not %s", path, Identity{Kind: cf.Kind, Config: cf.Config}, id)
		}
		if id.Kind != "" && id.Config != "" && cf.Config != "" && cf.Config != id.Config {
			return true, fmt.Errorf("checkpoint %s holds a %s of another configuration (%s) than this model's (%s): "+
				"its variables have other shapes; use the configuration it was trained with, or another checkpoint path",
				path, cf.Kind, cf.Config, id.Config)
		}
	default:
		return true, fmt.Errorf("checkpoint %s has format version %d; this dynlearn reads 1 and %d", path, cf.Version, checkpointVersion)
	}
	// Check every variable before changing the store.
	values := make([]*tensors.Tensor, len(cf.Variables))
	for i, sv := range cf.Variables {
		shape, err := sv.shape()
		if err != nil {
			return true, fmt.Errorf("checkpoint %s is corrupted: variable %q: %w", path, sv.Path, err)
		}
		if v := store.GetVariable(sv.Path); v != nil && !v.Shape().Equal(shape) {
			return true, fmt.Errorf("checkpoint %s: variable %s has shape %s in the checkpoint but %s in the model",
				path, sv.Path, shape, v.Shape())
		}
		t := tensors.FromShape(shape)
		if err := t.MutableBytes(func(data []byte) { copy(data, sv.Data) }); err != nil {
			return true, fmt.Errorf("checkpoint %s: variable %s: %w", path, sv.Path, err)
		}
		values[i] = t
	}
	for i, sv := range cf.Variables {
		if v := store.GetVariable(sv.Path); v != nil {
			if err := v.SetValue(values[i]); err != nil {
				return true, fmt.Errorf("checkpoint %s: variable %s: %w", path, sv.Path, err)
			}
			continue
		}
		if _, err := store.CreateVariable(sv.Path, values[i]); err != nil {
			return true, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	if meta != nil && len(cf.Meta) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(cf.Meta)).Decode(meta); err != nil {
			return true, fmt.Errorf("checkpoint %s: metadata: %w", path, err)
		}
	}
	return true, nil
}

// CheckpointPath returns <cache dir>/<dirs...>/<name>-<hash of key>.ckpt (config.CacheDir,
// diskcache.Key): a checkpoint file named by the configuration that produced it, so that a changed
// configuration never resumes a stale run.
func CheckpointPath(key any, name string, dirs ...string) (string, error) {
	// The checkpoint format is part of the key: checkpoints of the loops before training.Loop
	// (format 1) hold another state and are not resumed.
	k, err := diskcache.Key(struct {
		Format int
		Key    any
	}{checkpointVersion, key})
	if err != nil {
		return "", err
	}
	dir, err := config.CacheDir(dirs...)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name+"-"+k+".ckpt"), nil
}
