#!/usr/bin/env bash
# Fuzz targets of the parsers of external bytes (issue #26), each for a few seconds: .npy and CSV
# data files (pkg/dataio) and cached data (pkg/diskcache). The notebook reader of `kernel run` is
# fuzzed by .ci/kernel-test.sh. `go test` alone runs the seed corpora of these and of
# pkg/training's FuzzCheckpointLoad, which is not fuzzed here: its first mutations stall (gob
# allocates what a corrupted length prefix declares), an open problem of the checkpoint reader.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
t="${FUZZTIME:-5s}"
for target in ./pkg/dataio:FuzzReadNPY ./pkg/dataio:FuzzReadCSV ./pkg/diskcache:FuzzLoad; do
	pkg="${target%%:*}" name="${target##*:}"
	echo "fuzz $name ($pkg, $t)"
	go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t"
done
