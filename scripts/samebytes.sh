#!/usr/bin/env bash
# Checks that two revisions of pimc behave byte for byte the same: it builds
# pimc at each, runs the same commands with each in the same scratch folders
# (so paths printed are equal), and compares exit codes, stdout, stderr and
# every file the commands write. Lines that report host wall time (which no
# two runs share) are masked; nothing else is.
#
#   scripts/samebytes.sh REV_BEFORE [REV_AFTER]    (REV_AFTER default: the working tree)
#   SAMEBYTES_QUICK=1 scripts/samebytes.sh ...     (LeNet-5 only, no corpus models)
#   SAMEBYTES_KEEP=1 scripts/samebytes.sh ...      (keep the outputs for a look)
#
# The commands: compile (W8A8, W4A4, -S, -verify-with), sim -report, eval on 200
# MNIST images (model and program), run, ir -passes=... -print-after=all,
# disasm and asm, target show, demo -limit 200 -o DIR, and compile + ir of
# every ONNX model under ../shared/onnx-corpus/{light,models} (failures too:
# their messages must match). Used for refactors that must not change
# behaviour (issue 10). Prints one line per differing command and a summary;
# exits 1 if anything differs.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ $# -ge 1 ] || { echo "usage: $0 REV_BEFORE [REV_AFTER]" >&2; exit 2; }
work=$(mktemp -d /tmp/samebytes.XXXXXX)
cleanup() {
	git worktree remove --force "$work/src-before" >/dev/null 2>&1
	git worktree remove --force "$work/src-after" >/dev/null 2>&1
	if [ -n "${SAMEBYTES_KEEP:-}" ]; then echo "outputs kept in $work/out" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

build() { # build REV NAME: pimc of REV (or the working tree for "") into $work/NAME
	local rev=$1 name=$2 src=$root
	if [ -n "$rev" ]; then
		src=$work/src-$name
		git worktree add -q --detach "$src" "$rev" || exit 2
	fi
	(cd "$src" && go build -o "$work/$name" ./cmd/pimc) || { echo "build of ${rev:-working tree} failed" >&2; exit 2; }
	echo "$name: ${rev:-working tree} ($(cd "$src" && git rev-parse --short HEAD)$( [ -z "$rev" ] && ! git diff --quiet && echo ', with uncommitted changes'))"
}
build "$1" before
build "${2:-}" after

lenet=$root/testdata/models/lenet5/lenet5.onnx
corpus=$root/../shared/onnx-corpus
# mask: host wall times and rates, the only output two runs of one binary do not share.
# Also the protobuf library's parse errors, which randomly use a no-break
# space instead of a space (per binary, on purpose, so nobody compares them).
mask() {
	sed -E -e 's/\xc2\xa0/ /g' -e 's/(wall time: )[^ ]+ \([0-9.]+ images\/s/\1T (R images\/s/' \
		-e '/^ *wall time  /{s/[0-9.]+(ms|s|µs)/T/g;s/ +/ /g}' \
		-e 's/[0-9]+(\.[0-9]+)?(ms|s|µs)( wall| CPU|\/epoch| per| in |,|\)|$)/T\3/g' \
		-e 's/in [0-9.]+(ms|s|m[0-9.]+s)\b/in T/g' "$@"
}

n=0 differ=0
# check NAME ARGS...: runs `pimc ARGS` with both binaries in $work/run/NAME and compares.
check() {
	local name=$1; shift
	n=$((n + 1))
	local dir=$work/run/$name
	for b in before after; do
		rm -rf "$dir" && mkdir -p "$dir" && cp -r "$work/inputs/." "$dir/"
		(cd "$dir" && "$work/$b" "$@" >"$work/stdout" 2>"$work/stderr"; echo $? >"$work/code")
		mkdir -p "$work/out/$b/$name"
		mask "$work/stdout" >"$work/out/$b/$name/.stdout"
		mask "$work/stderr" >"$work/out/$b/$name/.stderr"
		cp "$work/code" "$work/out/$b/$name/.code"
		(cd "$dir" && find . -type f ! -path ./in.npy ! -path ./x3.npy -print0 | xargs -0 -r cp --parents -t "$work/out/$b/$name/")
	done
	if ! diff -r -q "$work/out/before/$name" "$work/out/after/$name" >/dev/null; then
		differ=$((differ + 1))
		echo "DIFFERS: pimc $*"
		diff -r "$work/out/before/$name" "$work/out/after/$name" | head -20 | sed 's/^/    /'
	fi
}

# Inputs every command may read: one MNIST-sized image and a batch of 3, as .npy.
mkdir -p "$work/inputs"
python3 - "$work/inputs" <<'PY'
import struct, sys, math
def save(path, shape, vals):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(map(str, shape))
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%df" % len(vals), *vals))
img = [1.0 if 12 <= i % 28 < 16 and 4 <= i // 28 < 24 else 0.0 for i in range(784)]
save(sys.argv[1] + "/in.npy", (1, 1, 28, 28), img)
save(sys.argv[1] + "/x3.npy", (3, 1, 28, 28), img * 3)
PY

check compile-w8 compile "$lenet" -o l.pimb -S l.pasm -verify-with in.npy
check compile-w4 compile "$lenet" -o l4.pimb -wbits 4 -abits 4 -calib mnist
check compile-ir compile "$lenet" -o l.pimb -passes=canonicalize,quantize,map -print-after=all -print-dir dumps
check ir-passes ir "$lenet" -passes=canonicalize,quantize,map -print-after=all
check ir-dot ir "$lenet" -o l.pir -dot l.dot
"$work/after" compile "$lenet" -o "$work/inputs/l.pimb" >/dev/null 2>&1
check sim sim l.pimb -i in.npy -report r.json -o out.pb
check sim-batch sim l.pimb -i x3.npy -batch 3 -o out.npy -trace t.txt
check run run "$lenet" -i in.npy -o run.pb
check disasm disasm l.pimb -o d.pasm
"$work/after" disasm "$work/inputs/l.pimb" -o "$work/inputs/l.pasm" >/dev/null 2>&1
check asm asm l.pasm -o back.pimb
check target-show target show
check target-show-prog target show -json l.pimb
check eval-model eval "$lenet" -dataset mnist -limit 200
check eval-prog eval l.pimb -dataset mnist -limit 200 -report e.json -v
check demo demo -limit 200 -o demo
if [ -z "${SAMEBYTES_QUICK:-}" ] && [ -d "$corpus" ]; then
	for m in "$corpus"/light/*.onnx $(find "$corpus/models" -name '*.onnx' | sort); do
		rel=${m#"$corpus"/}
		tag=$(tr '/.' '__' <<<"$rel")
		check "ir-$tag" ir "$m"
		check "compile-$tag" compile "$m" -o m.pimb -S m.pasm
	done
fi
echo "$n commands compared, $differ differ"
[ $differ -eq 0 ]
