//go:build !(linux && amd64)

package main

import "errors"

// installCUDA is only available on linux/amd64, the only platform with JAX's CUDA 13 wheels.
func installCUDA(libDir, goxlaDir, version string) error {
	return errors.New("the PJRT CUDA plugin is only available for linux/amd64")
}
