#!/usr/bin/env bash
# Issue 12 item 8: pimc against the published calibration points of
# PAPER.md section 3, with the workloads rebuilt as closely as they can be:
#
#  - LeNet-5 conv layers at 1-bit weights and 8-bit activations, first and
#    last layers at 8 bits (Angizi et al., ISVLSI 2019: 0.018 mm2, 0.85 uJ,
#    0.9 ms for the conv layers): the embedded trained LeNet-5, calibrated on
#    MNIST, one MNIST-sized input (testdata/models/lenet5), with and without
#    keep-ends;
#  - AlexNet at 224x224 at low bit-widths (IMCE, ASP-DAC 2018: 785.25 uJ per
#    ImageNet image; its abstract states neither the bit-widths nor which
#    layers are counted): torchvision alexnet() with seeded random weights
#    (testdata/bench/gen_models.py), one random input, a grid of bit-widths,
#    with and without keep-ends.
#
#   scripts/calibration.sh [DIR]      # ~3 minutes on 2 cores; DIR keeps the programs and JSON reports
#
# Needs Debian's python3 with torch, torchvision and onnx (for the AlexNet
# export) and numpy. Energies are split into dynamic energy (the executed
# operations) and leakage; the AlexNet grid runs on a 256-bank chip (so
# weights stay stationary at every bit-width) with the sub-arrays a run never
# touches power-gated (leakage.subarray_power_gating 1), and also, where the
# program compiles, on the default 16-bank chip. docs/RESULTS.md ("Calibration
# against the published points") has the tables of the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
py=/usr/bin/python3
go build -o "$out/pimc" ./cmd/pimc
pimc="$out/pimc"

cat >"$out/gated.yaml" <<EOF
base: sot-mram-45nm
name: sot-mram-45nm-gated
leakage:
  subarray_power_gating: {value: 1, provenance: "calibration: sub-arrays a run never touches are gated, so leakage follows what the layers use"}
EOF
cat >"$out/t256-gated.yaml" <<EOF
base: sot-mram-45nm
name: sot-mram-45nm-256banks-gated
geometry:
  banks: {value: 256, provenance: "calibration: AlexNet 224x224 with stationary weights at every bit-width"}
leakage:
  subarray_power_gating: {value: 1, provenance: "calibration: sub-arrays a run never touches are gated, so leakage follows what the layers use"}
EOF

# The inputs: one MNIST-sized image in [0, 1] and one 224x224 RGB image in [-1, 1] (numpy default_rng(0)).
$py -c "
import numpy as np
r = np.random.default_rng(0)
np.save('$out/in28.npy', r.uniform(0, 1, (1, 1, 28, 28)).astype(np.float32))
np.save('$out/in224.npy', r.uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))"
[ -f "$out/alexnet_224.onnx" ] || $py testdata/bench/gen_models.py "$out" alexnet_224 >/dev/null

# run NAME MODEL INPUT TARGET ARGS...: compile and simulate one image, the report in NAME.json.
run() {
	local name=$1 model=$2 in=$3 target=$4
	shift 4
	if "$pimc" compile "$model" -target "$target" -o "$out/$name.pimb" "$@" >"$out/$name.compile.txt" 2>&1; then
		"$pimc" sim "$out/$name.pimb" -i "$in" -report "$out/$name.json" -q >/dev/null
	else
		rm -f "$out/$name.json"
		echo "$name: $(tail -1 "$out/$name.compile.txt")" >&2
	fi
}

lenet=testdata/models/lenet5/lenet5.onnx
run lenet-w1a8 $lenet "$out/in28.npy" "$out/gated.yaml" -wbits 1 -abits 8 -calib mnist -replicate off
run lenet-w1a8-all $lenet "$out/in28.npy" "$out/gated.yaml" -replicate off \
	-passes 'canonicalize,quantize{wbits=1,abits=8,keep-ends=false,calib=mnist},dce'

grid="1,1 1,2 1,4 1,8 2,2 4,4 8,8"
for wa in $grid; do
	w=${wa%,*} a=${wa#*,}
	run alexnet-w${w}a${a} "$out/alexnet_224.onnx" "$out/in224.npy" "$out/t256-gated.yaml" -wbits "$w" -abits "$a"
	[ "$w$a" = 88 ] || [ "$w$a" = 18 ] ||
		run alexnet-w${w}a${a}-all "$out/alexnet_224.onnx" "$out/in224.npy" "$out/t256-gated.yaml" \
			-passes "canonicalize,quantize{wbits=$w,abits=$a,keep-ends=false},dce"
done
run alexnet-w1a4-all-default "$out/alexnet_224.onnx" "$out/in224.npy" sot-mram-45nm \
	-passes 'canonicalize,quantize{wbits=1,abits=4,keep-ends=false},dce'
run alexnet-w1a4-default "$out/alexnet_224.onnx" "$out/in224.npy" sot-mram-45nm -wbits 1 -abits 4

$py - "$out" <<'EOF'
import json, os, sys
out = sys.argv[1]

def load(name):
    p = os.path.join(out, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None

def dyn(e):
    return e["total"] - e["leakage"]

def layers(r, pred):
    srcs = [s for s in r["sources"] if pred(s["layer"])]
    return (sum(s["latency_ns"] for s in srcs), sum(dyn(s["energy_pj"]) for s in srcs),
            sum(s["energy_pj"]["leakage"] for s in srcs))

print("LeNet-5 conv layers (1 MNIST-sized input; chip with untouched sub-arrays gated)")
print()
print("| pimc workload | conv latency | conv dynamic energy | conv leakage | conv energy | area of the conv layers' sub-arrays |")
print("|---|---|---|---|---|---|")
for name, what in [("lenet-w1a8", "conv1 W8A8 (keep-ends), conv2 W1A8"), ("lenet-w1a8-all", "conv1 and conv2 W1A8")]:
    r = load(name)
    lat, d, l = layers(r, lambda n: n.startswith("conv"))
    # The conv layers' sub-arrays (compile's per-layer lines) times the area of one used
    # sub-array with its bit-counter and accumulators (the report's used-area rows).
    n = sum(int(l.split(" sub-arrays ")[1].split()[0]) for l in open(os.path.join(out, name + ".compile.txt"))
            if l.strip().startswith("qconv"))
    per = sum(a["um2"] for a in r["area_used"] if a["name"] in
              ("subarray cells", "subarray periphery", "bit-counters", "shift-add accumulators")) / r["subarrays_used"]
    print(f"| {what} | {lat/1e3:.1f} us | {d/1e6:.3f} uJ | {l/1e6:.3f} uJ | {(d+l)/1e6:.3f} uJ | {n*per/1e6:.4f} mm2 ({n} sub-arrays) |")
print("| published (Angizi et al., ISVLSI 2019) | 0.9 ms | | | 0.85 uJ | 0.018 mm2 |")
print()
print("AlexNet 224x224, one image")
print()
print("| bit-widths | target | sub-arrays | latency | energy | dynamic | leakage | conv layers, dynamic | FC layers, dynamic |")
print("|---|---|---|---|---|---|---|---|---|")
names = []
for wa in "11 12 14 18 22 44 88".split():
    names += [(f"alexnet-w{wa[0]}a{wa[1]}", f"W{wa[0]}A{wa[1]}, keep-ends", "256 banks, gated"),
              (f"alexnet-w{wa[0]}a{wa[1]}-all", f"W{wa[0]}A{wa[1]}, all layers", "256 banks, gated")]
names += [("alexnet-w1a4-default", "W1A4, keep-ends", "default (16 banks)"),
          ("alexnet-w1a4-all-default", "W1A4, all layers", "default (16 banks)")]
for name, what, tgt in names:
    r = load(name)
    if r is None:
        if os.path.exists(os.path.join(out, name + ".compile.txt")):
            lines = open(os.path.join(out, name + ".compile.txt")).read().strip().splitlines()
            msg = next((l.split(": passes: ", 1)[1] for l in lines if ": passes: " in l), lines[-1])
            print(f"| {what} | {tgt} | does not compile: {msg} | | | | | | |")
        continue
    pi = r["per_inference"]
    e = pi["energy_pj"]
    _, conv, _ = layers(r, lambda n: "Conv" in n)
    _, fc, _ = layers(r, lambda n: "Gemm" in n)
    print(f"| {what} | {tgt} | {r['subarrays_used']} | {pi['latency_ns']/1e6:.3f} ms | {e['total']/1e6:.1f} uJ | "
          f"{dyn(e)/1e6:.1f} uJ | {e['leakage']/1e6:.1f} uJ | {conv/1e6:.1f} uJ | {fc/1e6:.1f} uJ |")
print("| published (IMCE, ASP-DAC 2018) | low bit-width (not stated in the abstract) | | | 785.25 uJ | | | | |")
EOF
