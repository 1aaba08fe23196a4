package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// AutoInstallEnv, set to 1, lets GoMLX download a missing PJRT plugin of the XLA backend when the
// backend is created (GoMLX's own behaviour; it needs network access). By default dynlearn reports
// the missing plugin instead.
const AutoInstallEnv = "DYNLEARN_XLA_AUTOINSTALL"

// autoInstall reports whether the user asked for GoMLX's automatic plugin download.
func autoInstall() bool { return os.Getenv(AutoInstallEnv) == "1" }

// listPlugins returns the installed PJRT plugins by name (go-xla's pjrt.AvailablePlugins when the
// XLA backend is compiled in; a variable for tests).
var listPlugins = func() map[string]string { return nil }

// xlaNames are the names under which the XLA backend registers itself.
var xlaNames = map[string]bool{"xla": true, "stablehlo": true, "hlo": true, "shlo": true}

// checkPlugin returns an error naming the configuration, the missing PJRT plugin and the remedy
// when config asks for the XLA backend with a plugin that is not installed. It never downloads.
func checkPlugin(name, config string) error {
	if !xlaNames[name] || autoInstall() {
		return nil
	}
	_, opts, _ := strings.Cut(config, ":")
	plugin, _, _ := strings.Cut(opts, ",")
	plugin = strings.TrimSpace(plugin)
	if plugin == "help" {
		return nil
	}
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return fmt.Errorf("GoMLX backend %q: the PJRT plugin file %s does not exist (%v)", config, plugin, err)
		}
		return nil
	}
	available := listPlugins()
	var names []string
	for n := range available {
		names = append(names, n)
		if n == plugin || strings.HasPrefix(n, plugin+"_v") {
			return nil
		}
	}
	if plugin == "" && len(names) > 0 {
		return nil
	}
	slices.Sort(names)
	found := "none"
	if len(names) > 0 {
		found = strings.Join(names, ", ")
	}
	want, install := "any PJRT plugin", "cpu"
	if plugin != "" {
		want, install = fmt.Sprintf("the PJRT plugin %q", plugin), plugin
	}
	gpu := ""
	if strings.Contains(plugin, "cuda") {
		gpu = "; a CUDA plugin is only listed on a machine with an NVIDIA GPU"
	}
	return fmt.Errorf("GoMLX backend %q: the XLA backend needs %s, which is not installed (plugins found: %s; searched "+
		"$PJRT_PLUGIN_LIBRARY_PATH, or ~/.local/lib/go-xla, /usr/local/lib/go-xla and the system library paths%s). "+
		"Install it with `go run ./docker/pjrtinstall %s` in the dynlearn repository (or set %s=1 to let GoMLX download it), "+
		"or use the pure-Go backend: unset GOMLX_BACKEND (dynlearn's default, %s)",
		config, want, found, gpu, install, AutoInstallEnv, Default)
}
