package training

import (
	"bytes"
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

// checkpointFile is what SaveCheckpoint writes: every variable of a model.Store (weights,
// optimizer moments, global step) and the caller's own state (gob-encoded).
type checkpointFile struct {
	Version   int
	Variables []savedVariable
	Meta      []byte
}

type savedVariable struct {
	Path       string
	DType      int32
	Dimensions []int
	Data       []byte
}

// SaveCheckpoint writes every variable of store, plus meta (anything encoding/gob encodes, such
// as a struct with the epoch, the loss History and the sparsity mask), to path atomically. An interrupted save leaves
// the previous checkpoint intact.
func SaveCheckpoint(path string, store *model.Store, meta any) error {
	return SaveVariables(path, store, meta, nil)
}

// SaveVariables is SaveCheckpoint restricted to the variables whose path keep accepts (nil: all),
// for example a model's weights without the optimizer state, to ship a trained model. LoadCheckpoint
// reads the file.
func SaveVariables(path string, store *model.Store, meta any, keep func(path string) bool) error {
	cf := checkpointFile{Version: 1}
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
	if err := diskcache.Save(path, &cf); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint restores the variables saved at path into store (creating those that do not
// exist yet, so it can run before the model graph is built) and decodes the saved metadata into
// meta (a pointer to the type that was saved) when meta is not nil. It reports found=false, with no error, when there is no checkpoint.
// A variable whose saved shape differs from the one already in store is an error.
func LoadCheckpoint(path string, store *model.Store, meta any) (found bool, err error) {
	var cf checkpointFile
	found, err = diskcache.Load(path, &cf)
	if !found || err != nil {
		return found, err
	}
	for _, sv := range cf.Variables {
		shape := shapes.Make(dtypes.DType(sv.DType), sv.Dimensions...)
		t := tensors.FromShape(shape)
		var sizeErr error
		if err := t.MutableBytes(func(data []byte) {
			if len(data) != len(sv.Data) {
				sizeErr = fmt.Errorf("variable %s: %d bytes saved for shape %s (%d bytes)", sv.Path, len(sv.Data), shape, len(data))
				return
			}
			copy(data, sv.Data)
		}); err != nil {
			return true, fmt.Errorf("checkpoint %s: %w", path, err)
		}
		if sizeErr != nil {
			return true, fmt.Errorf("checkpoint %s: %w", path, sizeErr)
		}
		if v := store.GetVariable(sv.Path); v != nil {
			if !v.Shape().Equal(shape) {
				return true, fmt.Errorf("checkpoint %s: variable %s has shape %s in the checkpoint but %s in the model",
					path, sv.Path, shape, v.Shape())
			}
			if err := v.SetValue(t); err != nil {
				return true, fmt.Errorf("checkpoint %s: variable %s: %w", path, sv.Path, err)
			}
			continue
		}
		if _, err := store.CreateVariable(sv.Path, t); err != nil {
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
	k, err := diskcache.Key(key)
	if err != nil {
		return "", err
	}
	dir, err := config.CacheDir(dirs...)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name+"-"+k+".ckpt"), nil
}
