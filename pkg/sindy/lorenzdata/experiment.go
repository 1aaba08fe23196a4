package lorenzdata

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dynlearn/dynlearn/pkg/config"
	"github.com/dynlearn/dynlearn/pkg/diskcache"
	"github.com/dynlearn/dynlearn/pkg/sindy/autoencoder"
)

// Experiment bundles the data sizes and the model configuration of the Lorenz example for one mode.
type Experiment struct {
	TrainICs, ValICs, TestICs int
	Model                     autoencoder.Config
}

// NewExperiment returns the paper's setup (2048 training, 20 validation and 100 test trajectories,
// autoencoder.Paper()) or, when quick, a small one for CI: 64 training trajectories, a quick
// schedule (batch 256, 120 epochs with thresholding every 30, 20 refinement epochs).
func NewExperiment(quick bool) Experiment {
	if !quick {
		return Experiment{TrainICs: 2048, ValICs: 20, TestICs: 100, Model: autoencoder.Paper()}
	}
	m := autoencoder.Quick()
	m.BatchSize, m.Epochs, m.ThresholdFrequency, m.RefinementEpochs, m.EvalFrequency = 256, 120, 30, 20, 10
	return Experiment{TrainICs: 64, ValICs: 8, TestICs: 20, Model: m}
}

// CurrentExperiment is NewExperiment(config.Quick()).
func CurrentExperiment() Experiment { return NewExperiment(config.Quick()) }

// gen generates one split as autoencoder data.
func gen(c Config) (*Data, error) {
	d, err := Generate(c)
	if err != nil {
		return nil, fmt.Errorf("lorenzdata: %w", err)
	}
	return d, nil
}

// TrainData, ValData and TestData generate (or load from the cache) the three splits.
func (e Experiment) TrainData() (*Data, error) { return gen(Train(e.TrainICs)) }

// ValData is the validation split.
func (e Experiment) ValData() (*Data, error) { return gen(Validation(e.ValICs)) }

// TestData is the in-distribution test split (new initial conditions in the same box).
func (e Experiment) TestData() (*Data, error) { return gen(Test(e.TestICs)) }

// CheckpointDir is the cache directory of the training checkpoints of a model configuration trained
// on trainICs trajectories (one file per seed), shared by the notebook and cmd/sindylorenz.
func CheckpointDir(cfg autoencoder.Config, trainICs int) (string, error) {
	key, err := diskcache.Key(struct {
		Key      string
		TrainICs int
	}{autoencoder.CheckpointKey(cfg), trainICs})
	if err != nil {
		return "", err
	}
	return config.CacheDir("sindy-lorenz-train", key)
}

// ShippedModel returns the path of the trained model shipped with the repository,
// notebooks/models/sindy_lorenz/model.ckpt (found from the working directory upwards).
func ShippedModel() string { return ShippedFile("model.ckpt") }

// ShippedFile returns the path of a file in notebooks/models/sindy_lorenz.
func ShippedFile(name string) string {
	if dir, err := os.Getwd(); err == nil {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return filepath.Join(d, "notebooks", "models", "sindy_lorenz", name)
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return filepath.Join("models", "sindy_lorenz", name)
}

// Ensemble trains (or resumes, or loads from finished checkpoints) k seeds of the experiment's model
// and returns them with the index of the one selected as in the paper (lowest validation loss among
// models with at most 10 active terms).
func (e Experiment) Ensemble(k int, show bool) ([]autoencoder.Candidate, int, error) {
	train, err := e.TrainData()
	if err != nil {
		return nil, -1, err
	}
	val, err := e.ValData()
	if err != nil {
		return nil, -1, err
	}
	dir, err := CheckpointDir(e.Model, e.TrainICs)
	if err != nil {
		return nil, -1, err
	}
	return autoencoder.TrainEnsemble(e.Model, k, train.AE(), val.AE(), autoencoder.EnsembleOptions{CheckpointDir: dir, Show: show})
}
