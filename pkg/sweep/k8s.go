package sweep

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// K8sFile is the name of the Kubernetes manifest in a sweep's directory: JSON, which kubectl
// applies as it does YAML.
const K8sFile = "sweep.k8s.json"

// K8sOptions are the options of the Kubernetes Indexed Job.
type K8sOptions struct {
	// Name names the Job and its ConfigMap (a DNS label: lower case, digits, dashes).
	Name string
	// Image is the container image: docker/'s (dynlearn/jupyterlab:cpu; :cuda for GPUs).
	Image string
	// Claim is the PersistentVolumeClaim holding the results (mounted at /sweeps; the sweep's
	// directory is /sweeps/<Name>).
	Claim string
	// Parallelism caps the pods running at once (0 = all runs).
	Parallelism int
	// CPUs is each pod's CPU request and GOMAXPROCS (0 = 1).
	CPUs int
	// Memory is each pod's memory request ("" = 2Gi).
	Memory string
	// Backend is each task's GOMLX_BACKEND ("" = the single-threaded backend for one CPU,
	// dynlearn's default otherwise); "xla:cuda" also requests one nvidia.com/gpu.
	Backend string
}

// The paths inside the pods.
const (
	k8sResults = "/sweeps"
	k8sPlan    = "/plan"
	k8sRepo    = "/opt/dynlearn" // the checkout in docker/'s image
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$`)

// K8sManifest returns a Kubernetes List (JSON) of a ConfigMap holding the plan and an Indexed Job
// (completionMode: Indexed, one completion per run) whose pods run, in docker/'s image,
// `dynlearn sweep run-task --plan /plan/plan.json /sweeps/<Name>`: each reads its index from
// JOB_COMPLETION_INDEX and writes its result to the claim's volume.
func K8sManifest(p *Plan, o K8sOptions) ([]byte, error) {
	if !dnsLabel.MatchString(o.Name) {
		return nil, usagef("--k8s-name %q: want a DNS label (lower case letters, digits and dashes, at most 52)", o.Name)
	}
	if o.Image == "" || o.Claim == "" {
		return nil, usagef("--image and --pvc must not be empty")
	}
	if o.Parallelism < 0 || o.CPUs < 0 {
		return nil, usagef("--max-parallel %d, --cpus-per-task %d: want ≥ 0", o.Parallelism, o.CPUs)
	}
	plan, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sweep: plan: %w", err)
	}
	n := len(p.Runs)
	par := o.Parallelism
	if par == 0 || par > n {
		par = n
	}
	cpus := max(o.CPUs, 1)
	mem := o.Memory
	if mem == "" {
		mem = "2Gi"
	}
	backend := o.Backend
	if backend == "" && cpus == 1 {
		backend = SingleThreadedBackend
	}
	env := []map[string]string{
		{"name": "GOMAXPROCS", "value": strconv.Itoa(cpus)},
		{"name": "GOEXPERIMENT", "value": "simd"},
		{"name": "DYNLEARN_CACHE", "value": path.Join(k8sResults, ".cache")},
	}
	if backend != "" {
		env = append(env, map[string]string{"name": "GOMLX_BACKEND", "value": backend})
	}
	resources := map[string]any{"requests": map[string]string{"cpu": strconv.Itoa(cpus), "memory": mem}}
	if strings.HasPrefix(backend, "xla:cuda") {
		resources["limits"] = map[string]string{"nvidia.com/gpu": "1"}
	}
	labels := map[string]string{"app.kubernetes.io/name": "dynlearn-sweep", "dynlearn/sweep": o.Name}
	job := map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata":   map[string]any{"name": o.Name, "labels": labels},
		"spec": map[string]any{
			"completionMode":       "Indexed",
			"completions":          n,
			"parallelism":          par,
			"backoffLimitPerIndex": 2,
			"maxFailedIndexes":     n,
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"restartPolicy": "Never",
					"containers": []any{map[string]any{
						"name":       "task",
						"image":      o.Image,
						"workingDir": k8sRepo,
						// The image's checkout and warm build cache: go run builds the command in seconds.
						"command": []string{"go", "run", "./cmd/dynlearn", "sweep", "run-task",
							"--plan", path.Join(k8sPlan, PlanFile), path.Join(k8sResults, o.Name)},
						"env":       env,
						"resources": resources,
						"volumeMounts": []any{
							map[string]any{"name": "results", "mountPath": k8sResults},
							map[string]any{"name": "plan", "mountPath": k8sPlan, "readOnly": true},
						},
					}},
					"volumes": []any{
						map[string]any{"name": "results", "persistentVolumeClaim": map[string]string{"claimName": o.Claim}},
						map[string]any{"name": "plan", "configMap": map[string]string{"name": o.Name + "-plan"}},
					},
				},
			},
		},
	}
	cm := map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": o.Name + "-plan", "labels": labels},
		"data":       map[string]string{PlanFile: string(plan) + "\n"},
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{cm, job}}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sweep: manifest: %w", err)
	}
	return append(b, '\n'), nil
}
