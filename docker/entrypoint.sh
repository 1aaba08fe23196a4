#!/bin/sh
# Entry point of dynlearn's image (under tini). On first start it copies the notebooks (with their
# shipped models) into the work volume, so that a student's edits and outputs persist there and a
# new image never overwrites them. Then it runs the command: "lab" (the default) starts JupyterLab
# on port $JUPYTER_PORT (default 8888, what the health check asks) in the work directory, with any
# further arguments passed to it (or Debian's classic notebook server when the image was built
# without JupyterLab); anything else runs as given (docker run ... bash).
set -eu
work="${DYNLEARN_WORK:-$HOME/work}"
port="${JUPYTER_PORT:-8888}"
mkdir -p "$work"
if [ ! -e "$work/notebooks" ]; then
	cp -R /opt/dynlearn/notebooks "$work/notebooks"
	echo "entrypoint: copied the notebooks into $work/notebooks"
fi
if [ "$#" -gt 0 ] && [ "$1" != lab ]; then
	exec "$@"
fi
[ "$#" -gt 0 ] && shift
cd "$work"
if command -v jupyter-lab >/dev/null 2>&1; then
	exec jupyter-lab --ip=0.0.0.0 --port="$port" --no-browser --ServerApp.root_dir="$work" "$@"
fi
exec jupyter-notebook --ip=0.0.0.0 --port="$port" --no-browser --notebook-dir="$work" "$@"
