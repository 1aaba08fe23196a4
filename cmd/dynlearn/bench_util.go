package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// median returns the median of v (the upper one for an even length); v is not changed.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// msPerStep returns d / steps in milliseconds.
func msPerStep(d time.Duration, steps int) float64 {
	return float64(d.Microseconds()) / 1e3 / float64(steps)
}

var msPerStepRe = regexp.MustCompile(`ms/step=([0-9.]+)`)

// torchMsPerStep runs a PyTorch reference script (python script args...) and returns the ms/step=
// figure it prints.
func torchMsPerStep(python, script string, args ...int) (float64, error) {
	argv := []string{script}
	for _, a := range args {
		argv = append(argv, strconv.Itoa(a))
	}
	out, err := exec.Command(python, argv...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("PyTorch reference %s: %w\n%s", script, err, out)
	}
	mm := msPerStepRe.FindSubmatch(out)
	if mm == nil {
		return 0, fmt.Errorf("PyTorch reference %s printed no ms/step:\n%s", script, out)
	}
	ms, err := strconv.ParseFloat(string(mm[1]), 64)
	if err != nil {
		return 0, fmt.Errorf("PyTorch reference %s: %w", script, err)
	}
	return ms, nil
}
