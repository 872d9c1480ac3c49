#!/usr/bin/env bash
# Accuracy of LeNet-5 on MNIST under simulated SOT-MRAM non-idealities
# (docs/FAULTS.md): the W4A4 program (testdata/models/lenet5/lenet5.onnx,
# `-wbits 4 -abits 4 -calib mnist`) and the ADMM-compressed one
# (lenet5-admm-w4a4.onnx, `-abits 4 -calib mnist`, docs/ADMM.md run V),
# against each error rate (write, sense, stuck; 1e-6 .. 1e-1) and then
# with the errors restricted to where they land (weights or inputs; the
# significance 2^shift of the sensed product), to see which bits are at
# risk. Every cell is `pimc eval -faults KIND=RATE -fault-seeds SEEDS`:
# mean ± std of the accuracy (%) over SEEDS chip instances (seeds 1..SEEDS)
# on the first LIMIT test images.
#
#   scripts/fault-curves.sh [LIMIT [SEEDS [PROGRAMS]]]
#
# (defaults: 1000 images, 3 seeds, "w4a4 admm"; one program per run lets two
# runs share two cores).
#
# Needs the MNIST test set (package data: Debian's or PIMC_DATA). Prints
# Markdown tables; docs/FAULTS.md has the figures of the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-1000}"
seeds="${2:-3}"
progs="${3:-w4a4 admm}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/pimc" ./cmd/pimc
pimc="$tmp/pimc"
"$pimc" compile testdata/models/lenet5/lenet5.onnx -wbits 4 -abits 4 -calib mnist -o "$tmp/w4a4.pimb" >/dev/null
"$pimc" compile testdata/models/lenet5/lenet5-admm-w4a4.onnx -abits 4 -calib mnist -o "$tmp/admm.pimb" >/dev/null

# acc PROG [FAULTS]: "mean ± std" in percent (the plain accuracy without FAULTS).
acc() {
	local out
	if [ $# -eq 1 ]; then
		out=$("$pimc" eval "$1" -dataset mnist -limit "$limit" -j 1)
		sed -n 's/^accuracy: \([0-9.]*\) .*/\1/p' <<<"$out" | awk '{printf "%.2f", 100*$1}'
		return
	fi
	out=$("$pimc" eval "$1" -dataset mnist -limit "$limit" -j 1 -faults "$2" -fault-seeds "$seeds")
	if [ "$seeds" -eq 1 ]; then
		sed -n 's/^accuracy: \([0-9.]*\) .*/\1/p' <<<"$out" | awk '{printf "%.2f", 100*$1}'
	else
		sed -n 's/^accuracy: \([0-9.]*\) ± \([0-9.]*\) .*/\1 \2/p' <<<"$out" | awk '{printf "%.2f ± %.2f", 100*$1, 100*$2}'
	fi
}

rates="1e-6 1e-5 1e-4 1e-3 1e-2 1e-1"
echo "LeNet-5 on MNIST, first $limit test images, accuracy % (mean ± std over $seeds chip instances, seeds 1..$seeds)"
echo
printf '| program | fault-free | kind |'
for r in $rates; do printf ' %s |' "$r"; done
printf '\n|---|---|---|'
for r in $rates; do printf -- '---|'; done
echo
for p in $progs; do
	base=$(acc "$tmp/$p.pimb")
	for kind in write sense stuck; do
		printf '| %s | %s | %s |' "$p" "$base" "$kind"
		for r in $rates; do printf ' %s |' "$(acc "$tmp/$p.pimb" "$kind=$r")"; done
		echo
	done
done

echo
echo "Where the errors land (rate 1e-2; write and stuck on the weight rows or the written input rows only;"
echo "sense errors on the products of significance 2^shift only)"
echo
printf '| program | write, weights | write, inputs | stuck, weights | stuck, inputs | sense, shift 0-2 | sense, shift 3-5 | sense, shift 6-14 |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for p in $progs; do
	printf '| %s |' "$p"
	for f in write=1e-2,cells=weights write=1e-2,cells=inputs stuck=1e-2,cells=weights stuck=1e-2,cells=inputs \
		sense=1e-2,shift=0-2 sense=1e-2,shift=3-5 sense=1e-2,shift=6-14; do
		printf ' %s |' "$(acc "$tmp/$p.pimb" "$f")"
	done
	echo
done
