#!/usr/bin/env bash
# Jupyter protocol test of the dynlearn kernel (issue #26): Debian's python3-jupyter-kernel-test
# against the installed "Go (dynlearn)" kernel (after a short fuzz run of the notebook reader), with samples for stdout/stderr, display data
# through GoNB's gonbui, completion and inspection (gopls), errors; every skipped test says why.
# The module proxy is switched off: everything the samples import comes from dynlearn's build
# list in the module cache. Prints "kernel-test: N passed, N failed, N skipped"; exits non-zero
# on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
python=/usr/bin/python3
if ! "$python" -c "import jupyter_kernel_test, jupyter_client" 2>/dev/null; then
	echo "installing Debian's python3-jupyter-kernel-test"
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-jupyter-kernel-test python3-jupyter-client
fi
# The notebook reader of "go run ./kernel run", fuzzed for a few seconds (issue #26).
go test ./kernel -run '^$' -fuzz '^FuzzReadNotebook$' -fuzztime 5s
go run ./kernel install
GOPROXY=off "$python" kernel/test_kernel_protocol.py
