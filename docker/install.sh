#!/usr/bin/env bash
# docker/install.sh: the install steps of dynlearn's JupyterLab image, in one script that the
# Dockerfile runs and that also runs on a plain Debian or Ubuntu host (CI runs it there).
#
# usage: docker/install.sh [STEP...]        (no STEP: all of them, in this order)
#   apt     Debian packages: C compiler for cgo, Python 3 with venv, Jupyter's Debian packages
#           (the classic notebook server and the headless runner of `go run ./kernel run`), tini.
#           Needs root; uses sudo otherwise.
#   lab     JupyterLab from PyPI at the versions pinned in docker/jupyterlab-requirements.txt and
#           docker/jupyterlab-constraints.txt, in a virtual environment ($DYNLEARN_VENV).
#   pjrt    XLA's PJRT plugins for GoMLX's xla backend ($DYNLEARN_PJRT) at pinned versions, into
#           $DYNLEARN_PJRT_LIB/go-xla (go run ./docker/pjrtinstall).
#   kernel  the dynlearn Jupyter kernel: GoNB, goimports and gopls at go.mod's versions
#           (go run ./kernel install).
#   warm    Go's build cache: build the library, run notebooks/00_start_here.ipynb in quick mode
#           through the kernel, and check every installed backend with nothing downloaded.
#
# Settings (environment):
#   DYNLEARN_OFFLINE=1      skip what needs the internet beyond Debian's apt and the Go module
#                           proxy: the lab step (PyPI) and the pjrt step (GitHub, PyPI). CI sets it.
#   DYNLEARN_PJRT           PJRT plugins to install: "cpu" (default), "cpu cuda", or "none".
#   DYNLEARN_PJRT_CPU_VERSION, DYNLEARN_PJRT_CUDA_VERSION
#                           override the pins in docker/pjrtinstall (the PJRT CPU release; the JAX
#                           release of the CUDA plugin).
#   DYNLEARN_PJRT_LIB       library directory (default ~/.local/lib: go-xla looks in
#                           ~/.local/lib/go-xla and /usr/local/lib/go-xla).
#   DYNLEARN_VENV           JupyterLab's venv (default /opt/jupyterlab as root,
#                           ~/.local/share/dynlearn/jupyterlab otherwise).
#   DYNLEARN_WARM_NOTEBOOK=0  warm builds only, without running 00_start_here.
#   JUPYTER_DATA_DIR        where the kernel is registered (default ~/.local/share/jupyter).
#
# Every step is idempotent: what is installed at the pinned version is left alone.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

offline="${DYNLEARN_OFFLINE:-0}"
pjrt_plugins="${DYNLEARN_PJRT:-cpu}"
pjrt_lib="${DYNLEARN_PJRT_LIB:-$HOME/.local/lib}"
if [ "$(id -u)" = 0 ]; then
	venv="${DYNLEARN_VENV:-/opt/jupyterlab}"
else
	venv="${DYNLEARN_VENV:-$HOME/.local/share/dynlearn/jupyterlab}"
fi

# Debian packages of the apt step.
apt_packages=(
	ca-certificates curl git gcc g++ libc6-dev # cgo (go-xla) and the Go toolchain's needs
	python3 python3-venv                       # JupyterLab's venv
	jupyter-notebook                           # Debian's notebook server: the offline UI, and the browser test's
	jupyter-nbconvert python3-nbclient python3-jupyter-client python3-nbformat # go run ./kernel run
	fonts-dejavu-core                          # a font for text that the page draws
	tini                                       # PID 1 in the container: forwards signals, reaps zombies
)

say() { printf '== install.sh %s: %s\n' "$step" "$*"; }

offline() { [ "$offline" = 1 ] || [ "$offline" = true ]; }

# need_go checks for Go 1.26 or later (the version go.mod asks for), adding /usr/local/go/bin to PATH.
need_go() {
	if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
		export PATH="$PATH:/usr/local/go/bin"
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "install.sh: Go 1.26 is needed for the $step step: install it from https://go.dev/dl/ into /usr/local/go" >&2
		exit 1
	fi
	local v
	v="$(go env GOVERSION)"
	v="${v#go}"
	local major="${v%%.*}" rest="${v#*.}"
	local minor="${rest%%.*}"
	if [ "$major" -lt 1 ] || { [ "$major" = 1 ] && [ "${minor%%[!0-9]*}" -lt 26 ]; }; then
		echo "install.sh: Go $v is too old for the $step step: Go 1.26 or later is needed" >&2
		exit 1
	fi
}

step_apt() {
	local missing=() p
	for p in "${apt_packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	if [ "${#missing[@]}" = 0 ]; then
		say "all ${#apt_packages[@]} Debian packages are installed"
		return
	fi
	local sudo=()
	if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
	say "installing ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

step_lab() {
	if offline; then
		say "skipped (DYNLEARN_OFFLINE=1: PyPI is not reachable); Debian's jupyter-notebook serves the notebooks instead"
		return
	fi
	local want have
	want="$(sed -n 's/^jupyterlab==\([^ ;#]*\).*/\1/p' docker/jupyterlab-requirements.txt)"
	have="$("$venv/bin/python" -c 'import jupyterlab; print(jupyterlab.__version__)' 2>/dev/null || true)"
	if [ -n "$want" ] && [ "$have" = "$want" ]; then
		say "JupyterLab $have is installed in $venv"
	else
		say "installing JupyterLab $want into $venv"
		python3 -m venv "$venv"
		"$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --no-input \
			-r docker/jupyterlab-requirements.txt -c docker/jupyterlab-constraints.txt
	fi
	# Only the Go kernel in JupyterLab's launcher, not the Python kernels of ipykernel (a
	# dependency of JupyterLab) and of Debian's python3-ipykernel.
	mkdir -p "$venv/etc/jupyter"
	printf '{"KernelSpecManager": {"allowed_kernelspecs": ["dynlearn"], "ensure_native_kernel": false}}\n' \
		>"$venv/etc/jupyter/jupyter_server_config.json"
	"$venv/bin/jupyter-lab" --version >/dev/null
	say "JupyterLab $("$venv/bin/jupyter-lab" --version) in $venv (start it with $venv/bin/jupyter-lab)"
}

step_pjrt() {
	if [ "$pjrt_plugins" = none ]; then
		say "skipped (DYNLEARN_PJRT=none)"
		return
	fi
	if offline; then
		say "skipped (DYNLEARN_OFFLINE=1: the plugins come from GitHub and PyPI); the pure-Go backend needs none"
		return
	fi
	need_go
	local flags=(-lib "$pjrt_lib")
	if [ -n "${DYNLEARN_PJRT_CPU_VERSION:-}" ]; then flags+=(-cpu-version "$DYNLEARN_PJRT_CPU_VERSION"); fi
	if [ -n "${DYNLEARN_PJRT_CUDA_VERSION:-}" ]; then flags+=(-cuda-version "$DYNLEARN_PJRT_CUDA_VERSION"); fi
	# shellcheck disable=SC2086 # the plugin list is split into words on purpose
	go run ./docker/pjrtinstall "${flags[@]}" $pjrt_plugins
}

step_kernel() {
	need_go
	go run ./kernel install
}

step_warm() {
	need_go
	# The kernel builds cells with GOEXPERIMENT=simd: warm the cache with the same setting.
	export GOEXPERIMENT=simd
	say "building the library (go build ./pkg/...)"
	go build ./pkg/...
	if [ "${DYNLEARN_WARM_NOTEBOOK:-1}" != 0 ]; then
		local out
		out="$(mktemp -d)"
		say "running notebooks/00_start_here.ipynb in quick mode through the kernel"
		if ! go run ./kernel run --quick --out "$out" notebooks/00_start_here.ipynb; then
			rm -rf "$out"
			exit 1
		fi
		rm -rf "$out"
	fi
	# Every installed backend works with downloads switched off.
	local backends=("go:parallelism=-1")
	if ! offline && [[ " $pjrt_plugins " == *" cpu "* ]]; then backends+=("xla:cpu"); fi
	if [[ " $pjrt_plugins " == *" cuda "* ]]; then say "xla:cuda is checked on a GPU host only (docker run --gpus all ...)"; fi
	# go-xla finds plugins in ~/.local/lib/go-xla and /usr/local/lib/go-xla by itself; elsewhere
	# Jupyter must be started with PJRT_PLUGIN_LIBRARY_PATH, and so is this check.
	case "$pjrt_lib" in
	"$HOME/.local/lib" | /usr/local/lib) ;;
	*)
		export PJRT_PLUGIN_LIBRARY_PATH="$pjrt_lib/go-xla:$pjrt_lib/go-xla/nvidia"
		say "plugins are outside go-xla's default directories: start Jupyter with PJRT_PLUGIN_LIBRARY_PATH=$PJRT_PLUGIN_LIBRARY_PATH"
		;;
	esac
	GOMLX_NO_AUTO_INSTALL=1 go run ./docker/backendcheck "${backends[@]}"
}

steps=("$@")
if [ "${#steps[@]}" = 0 ]; then steps=(apt lab pjrt kernel warm); fi
for step in "${steps[@]}"; do
	case "$step" in
	apt | lab | pjrt | kernel | warm) ;;
	*)
		echo "install.sh: unknown step \"$step\" (steps: apt lab pjrt kernel warm)" >&2
		exit 2
		;;
	esac
done
start=$(date +%s)
for step in "${steps[@]}"; do
	"step_$step"
done
step=all
say "$(($(date +%s) - start)) s"
