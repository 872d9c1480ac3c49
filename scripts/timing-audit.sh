#!/bin/sh
# scripts/timing-audit.sh MODELDIR [OUTDIR] — does more of a resource ever make the same program slower?
# (docs/PARALLEL.md §8.12). Each timing-only parameter of the default target (one that does not enter the
# fingerprint, so the same program runs on it) is improved in turn, and four programs compiled once for the
# default target are simulated on each variant:
#   VGG-11-BN -pipeline and one image, MobileNetV2 -pipeline (16 images each), LeNet-5 -pipeline (16 images).
# The table gives, per variant, fill-drain FPS, steady FPS and busy (VGG-11-BN), one-image latency, and the
# other pipelines' FPS; a figure more than 1% worse than the default's is marked "!". On 2 cores it takes
# about 3 minutes.
#
# AUDIT_ARCH=1 adds architectural variants (32 controllers, 512 tokens, 2 Mi buffer words, 128 DPU lanes,
# 32 banks, two accumulators per sub-array, and two accumulators with 32 controllers). The programs are
# recompiled for each, so what moves is the compiler's schedule as well as the machine. A "!" there may be
# a trade the compiler made on purpose, and needs a look: docs/PARALLEL.md §8.12 has the ones found. That
# adds about 5 minutes.
#
# MODELDIR holds vgg11_bn_32.onnx, mobilenetv2_32.onnx, in32_1.npy, in32_16.npy and in28_16.npy, as
# scripts/parallel-figures.sh makes them (its OUTDIR). LeNet-5 is the repository's testdata model.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 MODELDIR [OUTDIR]" >&2; exit 2; }
models=$(cd "$1" && pwd)
out=${2:-/tmp/pimc-timing-audit}
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
for f in vgg11_bn_32.onnx mobilenetv2_32.onnx in32_1.npy in32_16.npy in28_16.npy; do
	[ -f "$models/$f" ] || { echo "$0: $models/$f missing (run scripts/parallel-figures.sh $models first)" >&2; exit 1; }
done
(cd "$root" && go build -o "$out/pimc" ./cmd/pimc)
pimc="$out/pimc"
cd "$out"

$pimc compile "$models/vgg11_bn_32.onnx" -calib random:8 -pipeline -o vp.pimb >vp.compile.txt 2>&1
$pimc compile "$models/vgg11_bn_32.onnx" -calib random:8 -o v1.pimb >v1.compile.txt 2>&1
$pimc compile "$models/mobilenetv2_32.onnx" -calib random:8 -pipeline -o mp.pimb >mp.compile.txt 2>&1
$pimc compile "$root/testdata/models/lenet5/lenet5.onnx" -calib mnist -pipeline -o lp.pimb >lp.compile.txt 2>&1

# name|YAML body below "base: sot-mram-45nm"
variant() {
	printf 'name: audit-%s\ndescription: scripts/timing-audit.sh\nbase: sot-mram-45nm\n%s\n' "$1" "$2" >"$1.yaml"
}
P='provenance: "scripts/timing-audit.sh"'
variant iw2 "parallel:
  issue_width: {value: 2, $P}"
variant ports32 "parallel:
  buffer_ports: {value: 32, $P}"
variant seq32 "parallel:
  plane_sequencer:
    sequences: {value: 32, $P}"
variant portw128 "geometry:
  buffer_port_words: {value: 128, $P}"
variant dram2x "dram:
  bandwidth: {value: 25.6, unit: GB/s, $P}"
for op in link:1 and_sense:1.2 row_write:2 acc_transfer:1 dpu_op:1 sync:2 plane_step:1 bitcount:0.5; do
	name=${op%%:*}
	half=$(echo "${op#*:}" | awk '{print $1 / 2}')
	variant "$name-half" "ops:
  $name:
    latency: {value: $half, unit: ns, $P}"
done
variant buffer-half "ops:
  buffer_read:
    latency: {value: 0.5, unit: ns, $P}
  buffer_write:
    latency: {value: 0.5, unit: ns, $P}"

: >variants.txt
# simulate T SUFFIX [ARGS]: the four programs X$SUFFIX.pimb, their reports X_T.json (ARGS: -target).
simulate() {
	t=$1 p=$2
	shift 2
	$pimc sim "vp$p.pimb" -i "$models/in32_16.npy" -batch 16 -q -report "vp_$t.json" "$@" >/dev/null 2>>sim.log
	$pimc sim "v1$p.pimb" -i "$models/in32_1.npy" -q -report "v1_$t.json" "$@" >/dev/null 2>>sim.log
	$pimc sim "mp$p.pimb" -i "$models/in32_16.npy" -batch 16 -q -report "mp_$t.json" "$@" >/dev/null 2>>sim.log
	$pimc sim "lp$p.pimb" -i "$models/in28_16.npy" -batch 16 -q -report "lp_$t.json" "$@" >/dev/null 2>>sim.log
	echo "$t" >>variants.txt
}

for t in default iw2 ports32 seq32 portw128 dram2x link-half and_sense-half row_write-half acc_transfer-half dpu_op-half sync-half plane_step-half bitcount-half buffer-half; do
	if [ "$t" = default ]; then
		simulate "$t" ""
	else
		simulate "$t" "" -target "$t.yaml"
	fi
done

if [ "${AUDIT_ARCH:-}" = 1 ]; then
	variant arch-ctl32 "parallel:
  controllers: {value: 32, $P}"
	variant arch-tokens512 "parallel:
  tokens: {value: 512, $P}"
	variant arch-abuf2m "geometry:
  act_buffer_words: {value: 2097152, $P}"
	variant arch-lanes128 "geometry:
  dpu_lanes: {value: 128, $P}"
	variant arch-banks32 "geometry:
  banks: {value: 32, $P}"
	variant arch-acc2 "geometry:
  acc_per_subarray: {value: 2, $P}"
	variant arch-acc2-ctl32 "geometry:
  acc_per_subarray: {value: 2, $P}
parallel:
  controllers: {value: 32, $P}"
	for t in arch-ctl32 arch-tokens512 arch-abuf2m arch-lanes128 arch-banks32 arch-acc2 arch-acc2-ctl32; do
		$pimc compile "$models/vgg11_bn_32.onnx" -calib random:8 -pipeline -target "$t.yaml" -o "vp_$t.pimb" >"vp_$t.compile.txt" 2>&1
		$pimc compile "$models/vgg11_bn_32.onnx" -calib random:8 -target "$t.yaml" -o "v1_$t.pimb" >"v1_$t.compile.txt" 2>&1
		$pimc compile "$models/mobilenetv2_32.onnx" -calib random:8 -pipeline -target "$t.yaml" -o "mp_$t.pimb" >"mp_$t.compile.txt" 2>&1
		$pimc compile "$root/testdata/models/lenet5/lenet5.onnx" -calib mnist -pipeline -target "$t.yaml" -o "lp_$t.pimb" >"lp_$t.compile.txt" 2>&1
		simulate "$t" "_$t"
	done
fi

/usr/bin/python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
names = [l.strip() for l in open(f"{out}/variants.txt") if l.strip()]
def rep(p, t):
    return json.load(open(f"{out}/{p}_{t}.json"))
def row(t):
    vp, v1, mp, lp = rep("vp", t), rep("v1", t), rep("mp", t), rep("lp", t)
    # higher is better except the latency
    return [("VGG-11-BN -pipeline FPS", vp["fps"], 1), ("steady", vp["steady_state_fps"], 1),
            ("busy %", 100 * vp["subarray_busy_fraction"], 0),
            ("VGG-11-BN one image us", v1["per_inference"]["latency_ns"] / 1000, -1),
            ("MobileNetV2 -pipeline FPS", mp["fps"], 1), ("steady", mp["steady_state_fps"], 1),
            ("LeNet-5 -pipeline FPS", lp["fps"], 1), ("steady", lp["steady_state_fps"], 1)]
base = row("default")
print("| variant | " + " | ".join(k for k, _, _ in base) + " |")
print("|---" * (len(base) + 1) + "|")
worse = 0
for t in names:
    cells = []
    for (k, v, better), (_, b, _) in zip(row(t), base):
        mark = ""
        if better == 1 and v < 0.99 * b or better == -1 and v > 1.01 * b:
            mark, worse = " !", worse + 1
        cells.append(f"{v:,.1f}{mark}" if k.startswith("busy") or k.endswith(" us") else f"{v:,.0f}{mark}")
    print(f"| {t} | " + " | ".join(cells) + " |")
print(f"\n{worse} figure(s) more than 1% worse than the default's (busy is not marked: faster units lower it)")
EOF
