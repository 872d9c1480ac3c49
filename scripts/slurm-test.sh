#!/usr/bin/env bash
# The Slurm test of issue 15 (docs/SWEEP.md): starts munged, slurmctld and
# slurmd for one node on this host (config testdata/slurm/slurm.conf, state
# under a temp folder), runs testdata/sweeps/lenet5.yaml as a job array with
# pimc sweep -slurm, waits for the merge job, and checks its results.csv
# against a local run's byte for byte. Stops only the daemons it started, by
# pid. Needs root and Debian's slurm-wlm and munge (.ci/run installs them).
# Usage: scripts/slurm-test.sh [SPEC]
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-testdata/sweeps/lenet5.yaml}
tmp=$(mktemp -d /tmp/pimc-slurm.XXXXXX)
chmod 755 "$tmp" # munged wants its socket's folders searchable by all
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	if [ "${status:-1}" = 0 ]; then rm -rf "$tmp"; else echo "slurm-test: logs kept in $tmp" >&2; fi
}
trap cleanup EXIT

host=$(hostname -s)
mkdir -p "$tmp/state" "$tmp/spool"
sed -e "s|@TMP@|$tmp|g" -e "s|@HOST@|$host|g" -e "s|@CPUS@|$(nproc)|g" \
	-e "s|@CTLDPORT@|${PIMC_SLURMCTLD_PORT:-6817}|g" -e "s|@DPORT@|${PIMC_SLURMD_PORT:-6818}|g" \
	testdata/slurm/slurm.conf >"$tmp/slurm.conf"
export SLURM_CONF=$tmp/slurm.conf

mungekey --create --keyfile="$tmp/munge.key"
chmod 400 "$tmp/munge.key"
munged --foreground --force --socket="$tmp/munge.socket" --key-file="$tmp/munge.key" \
	--pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -i -f "$tmp/slurm.conf" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$tmp/slurm.conf" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	sinfo -h -o %T 2>/dev/null | grep -qx idle && break
	sleep 0.2
done
sinfo -h -o '%N %T %c' || { cat "$tmp"/slurm*.log; exit 1; }

go build -o "$tmp/pimc" ./cmd/pimc
"$tmp/pimc" sweep "$spec" -o "$tmp/local"
start=$(date +%s.%N)
out=$("$tmp/pimc" sweep "$spec" -o "$tmp/array" -slurm -time 00:10:00)
echo "$out"
merge=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\) .*/\1/p')
for _ in $(seq 600); do
	[ -z "$(squeue -h -j "$merge" 2>/dev/null)" ] && break
	sleep 0.5
done
if [ -n "$(squeue -h -j "$merge" 2>/dev/null)" ]; then
	echo "slurm-test: the merge job $merge has not finished after 5 minutes" >&2
	exit 1
fi
echo "array and merge done in $(echo "$(date +%s.%N) - $start" | bc) s"
if ! cmp "$tmp/local/results.csv" "$tmp/array/results.csv"; then
	cat "$tmp/array/logs/"*.out || true
	echo "slurm-test: the array's results.csv differs from the local run's" >&2
	exit 1
fi
echo "slurm-test: $(($(wc -l <"$tmp/array/results.csv") - 1)) rows from the Slurm array equal the local run's"
status=0
