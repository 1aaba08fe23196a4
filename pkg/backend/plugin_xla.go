//go:build ((linux && (amd64 || arm64)) || (darwin && arm64) || (windows && amd64)) && !noxla

package backend

import (
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

func init() {
	listPlugins = pjrt.AvailablePlugins
	if !autoInstall() {
		// A missing plugin is reported by checkPlugin, with the remedy; GoMLX would otherwise try a
		// download (and print a stack trace when it fails) at every backend creation.
		xla.EnableAutoInstall(false)
	}
}
