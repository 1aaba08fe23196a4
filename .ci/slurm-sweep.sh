#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, and a dynlearn sweep submitted to it (issue 23).
#
# Installs Debian's slurm-wlm and munge with apt when missing, writes a minimal slurm.conf (one
# node: this host with its cores, select/cons_tres, proctrack/linuxproc and task/none so that no
# cgroups are needed, state, spool, logs and the munge socket in a temporary directory, ports
# away from the defaults), generates a munge key, starts munged, slurmctld and slurmd, builds
# dynlearn, submits `dynlearn sweep smoke --quick --seeds 4 --slurm`, waits for the array job
# (bounded: $SLURM_SWEEP_TIMEOUT seconds, default 900), and checks the 4 result files, the status
# and the report. The daemons it started are stopped on every exit, failure included.
#
# Runs as root, or as a user with passwordless sudo (the daemons run as root). Usage:
#   .ci/slurm-sweep.sh            # KEEP=1 keeps the temporary directory for a look
set -euo pipefail
cd "$(dirname "$0")/.."
export GOEXPERIMENT=simd
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
timeout_s="${SLURM_SWEEP_TIMEOUT:-900}"
start=$(date +%s)
say() { echo "== slurm-sweep ($(( $(date +%s) - start )) s): $*"; }

if [ "$(id -u)" = 0 ]; then
	SUDO=()
elif sudo -n true 2>/dev/null; then
	SUDO=(sudo -n)
else
	echo "slurm-sweep: needs root or passwordless sudo (to run munged, slurmctld and slurmd)" >&2
	exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
	say "installing slurm-wlm and munge with apt"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null ||
		{ "${SUDO[@]}" apt-get update -q >/dev/null && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null; }
fi
slurmctld -V

tmp=$(mktemp -d /tmp/dynlearn-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
job=""
cleanup() {
	code=$?
	set +e
	# A job still running: cancel it and let it end while slurmctld and slurmd are up (its tasks
	# save their checkpoints on SIGTERM), so that no slurmstepd is left retrying to report it.
	if [ -n "$job" ] && [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; then
		scancel "$job" 2>/dev/null
		for _ in $(seq 120); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.5; done
		for _ in $(seq 60); do [ -z "$(find "$tmp/spool" -type s 2>/dev/null)" ] && break; sleep 0.5; done
	fi
	for pid in "${pids[@]}"; do "${SUDO[@]}" kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do "${SUDO[@]}" kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		"${SUDO[@]}" kill -9 "$pid" 2>/dev/null
	done
	# Stragglers of this cluster only: slurmstepd and task processes whose environment names this
	# cluster's slurm.conf (inherited from the slurmd and sbatch started here).
	for env in /proc/[0-9]*/environ; do
		pid=${env#/proc/}; pid=${pid%/environ}
		case "$(cat "/proc/$pid/comm" 2>/dev/null)" in slurmstepd | dynlearn) ;; *) continue ;; esac
		if "${SUDO[@]}" cat "$env" 2>/dev/null | tr '\0' '\n' | grep -qxF "SLURM_CONF=$tmp/slurm.conf"; then
			echo "slurm-sweep: stopping leftover process $pid ($(cat "/proc/$pid/comm" 2>/dev/null))" >&2
			"${SUDO[@]}" kill -9 "$pid" 2>/dev/null
		fi
	done
	if [ "$code" != 0 ]; then
		echo "slurm-sweep: FAILED (exit $code); the daemons' logs:" >&2
		for f in "$tmp"/munged.log "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/sweep/logs/*.out; do
			[ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
		done
	fi
	if [ "${KEEP:-0}" = 1 ]; then echo "slurm-sweep: kept $tmp"; else "${SUDO[@]}" rm -rf "$tmp"; fi
	say "daemons stopped"
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "munge key and munged (socket $tmp/munge/munge.socket)"
mkdir -m 711 "$tmp/munge"
"${SUDO[@]}" chown root:root "$tmp/munge"
"${SUDO[@]}" dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
"${SUDO[@]}" chmod 400 "$tmp/munge/munge.key"
"${SUDO[@]}" munged --force --foreground --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
	--pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" --log-file="$tmp/munged.log" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || { echo "munged did not start" >&2; exit 1; }

node=$(hostname -s)
cpus=$(nproc)
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
# A one-node cluster for CI, written by .ci/slurm-sweep.sh.
ClusterName=dynlearn-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
PlugStackConfig=$tmp/plugstack.conf
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
: > "$tmp/plugstack.conf"
export SLURM_CONF="$tmp/slurm.conf"

say "slurmctld and slurmd ($node, $cpus CPUs, ports $port-$(( port + 1 )))"
"${SUDO[@]}" env SLURM_CONF="$SLURM_CONF" slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
"${SUDO[@]}" env SLURM_CONF="$SLURM_CONF" slurmd -D -f "$SLURM_CONF" -N "$node" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 120); do
	state=$(sinfo -h -N -o %T 2>/dev/null | head -n1 || true)
	[ "$state" = idle ] && break
	sleep 0.5
done
[ "$state" = idle ] || { echo "the node is not idle after 60 s (state: '$state')" >&2; sinfo -N -l || true; exit 1; }
sinfo -N -l

say "building dynlearn"
go build -o "$tmp/dynlearn" ./cmd/dynlearn

say "submitting: dynlearn sweep smoke --quick --seeds 4 --slurm"
export DYNLEARN_CACHE="$tmp/cache"
out=$("$tmp/dynlearn" sweep smoke --quick --seeds 4 --slurm --out "$tmp/sweep" --time 0:15:00 --max-parallel "$cpus")
echo "$out"
job=$(sed -n 's/^submitted Slurm job \([0-9]*\);.*/\1/p' <<<"$out")
[ -n "$job" ] || { echo "no job id in the output" >&2; exit 1; }
grep -q '^#SBATCH --array=0-3%' "$tmp/sweep/sweep.sbatch"

deadline=$(( $(date +%s) + timeout_s ))
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "slurm-sweep: job $job still running after ${timeout_s} s" >&2
		squeue -j "$job" -r >&2 || true
		exit 1
	fi
	sleep 2
done
say "job $job finished"
"$tmp/dynlearn" sweep status "$tmp/sweep"

for i in 0 1 2 3; do
	f="$tmp/sweep/runs/$i/result.json"
	[ -s "$f" ] || { echo "slurm-sweep: no $f" >&2; ls -R "$tmp/sweep" >&2; exit 1; }
	grep -q '"engine": "slurm"' "$f" || { echo "slurm-sweep: $f was not written by a Slurm task" >&2; exit 1; }
done
report=$("$tmp/dynlearn" sweep report "$tmp/sweep")
echo "$report"
grep -q 'Seeds to success: [0-4] of 4\*\*' <<<"$report"
[ -s "$tmp/sweep/report.md" ] && [ -s "$tmp/sweep/plots/energy_mean_per_seed.svg" ]
say "OK: 4 results from Slurm array job $job, and the report"
