#!/bin/sh
# scripts/parallel-figures.sh [OUTDIR] — the figures of issue 11 (docs/RESULTS.md, "A parallel engine"):
# LeNet-5, VGG-11-BN and MobileNetV2 at 32x32 and ResNet-18 at 224x224, W8A8, compiled without and with
# -pipeline and simulated on one image and on a batch of 16, printed as a Markdown table.
#
# Needs Debian's python3 with python3-torch, python3-torchvision, python3-onnx and python3-numpy (the
# models are testdata/bench/gen_models.py's seeded random-weight exports; the inputs are numpy
# default_rng(0) draws). Takes 15-30 minutes on 2 cores. PARALLEL_QUICK=1: LeNet-5 only. The last
# column is the pixel-balance bound compile -pipeline prints (docs/BACKEND.md §8).
#
# Rows: every model on the default target (the acceptance's: VGG-11-BN and ResNet-18 there reprogram
# their deep layers' weights from the DRAM per image, docs/BACKEND.md §10; VGG-11-BN's -pipeline puts
# them in a window stage, once per run, docs/PARALLEL.md §8.2; ResNet-18's -pipeline is refused, its
# feature maps needing DRAM bands, which -pipeline does not use),
# then the larger targets the pipelines are explored on (t32, t64, t64c128, t128), and ResNet-18 on the
# serial engine (the preset sot-mram-45nm-serial with t128's banks and buffers: one controller, no
# group instructions), whose -pipeline columns are empty.
set -eu
out=${1:-/tmp/pimc-parallel}
mkdir -p "$out"
# Absolute, since the build and gen_models.py run from the repository root: the script works from any
# directory (go build needs the module's directory as its working directory).
out=$(cd "$out" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
(cd "$root" && go build -o "$out/pimc" ./cmd/pimc)
pimc="$out/pimc"

if [ ! -f "$out/resnet18_224.onnx" ]; then
	(cd "$root" && $py testdata/bench/gen_models.py "$out" >/dev/null 2>&1)
fi
$py - "$out" <<'EOF'
import sys, numpy as np
out = sys.argv[1]
r = np.random.default_rng(0)
np.save(f"{out}/in32_1.npy", r.uniform(-1, 1, (1, 3, 32, 32)).astype(np.float32))
np.save(f"{out}/in32_16.npy", r.uniform(-1, 1, (16, 3, 32, 32)).astype(np.float32))
np.save(f"{out}/in224_1.npy", r.uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))
np.save(f"{out}/in28_1.npy", r.uniform(0, 1, (1, 1, 28, 28)).astype(np.float32))
np.save(f"{out}/in28_16.npy", r.uniform(0, 1, (16, 1, 28, 28)).astype(np.float32))
np.save(f"{out}/in224_16.npy", r.uniform(-1, 1, (16, 3, 224, 224)).astype(np.float32))
EOF
# VGG-11-BN's 74 Mbit of W8 weights need 23 banks (the default has 16); ResNet-18 at 224x224 needs
# 128 banks' worth of buffer and constants until issue 12's tiling. Only these fields change.
cat >"$out/t32.yaml" <<'EOF'
base: sot-mram-45nm
name: sot-mram-45nm-32banks
geometry:
  banks: {value: 32, provenance: "issue 11 figures: VGG-11-BN W8A8 needs 23 banks"}
EOF
# The pipelines of VGG-11-BN and MobileNetV2 need room to replicate their early layers and a controller
# for every few lane chunks (docs/BACKEND.md §8): 64 banks with a controller and a buffer port per bank
# (as the default has per bank), and the same with two per bank.
cat >"$out/t64.yaml" <<'EOF'
base: sot-mram-45nm
name: sot-mram-45nm-64banks
geometry:
  banks: {value: 64, provenance: "issue 11 figures: room to balance VGG-11-BN's and MobileNetV2's pipeline stages by replication"}
parallel:
  controllers: {value: 64, provenance: "pimc assumption: a controller and DPU per bank, as the default target"}
  buffer_ports: {value: 64, provenance: "pimc assumption: the buffer banked like the array, a port per bank, as the default target"}
  tokens: {value: 1024, provenance: "pimc assumption: 2 per ring and per helper controller of a many-controller pipeline"}
EOF
cat >"$out/t64c128.yaml" <<'EOF'
base: sot-mram-45nm
name: sot-mram-45nm-64banks-128ctl
geometry:
  banks: {value: 64, provenance: "issue 11 figures: room to balance VGG-11-BN's pipeline stages by replication"}
parallel:
  controllers: {value: 128, provenance: "pimc assumption: a controller and DPU per half bank (8 mats, 32 sub-arrays; the issue's 'one controller per bank (or tile)')"}
  buffer_ports: {value: 128, provenance: "pimc assumption: the buffer banked like the controllers, a port per controller"}
  tokens: {value: 1024, provenance: "pimc assumption: 2 per ring and per helper controller of a many-controller pipeline"}
EOF
cat >"$out/t128.yaml" <<'EOF'
base: sot-mram-45nm
name: sot-mram-45nm-128banks
geometry:
  banks: {value: 128, provenance: "issue 11 figures: ResNet-18 224x224"}
  act_buffer_words: {value: 16777216, provenance: "issue 11 figures: ResNet-18 224x224"}
  const_words: {value: 1048576, provenance: "issue 11 figures: ResNet-18 224x224"}
EOF
cat >"$out/t128serial.yaml" <<'EOF'
base: sot-mram-45nm-serial
name: sot-mram-45nm-serial-128banks
geometry:
  banks: {value: 128, provenance: "issue 11 figures: ResNet-18 224x224 on the serial engine"}
  act_buffer_words: {value: 16777216, provenance: "issue 11 figures: ResNet-18 224x224"}
  const_words: {value: 1048576, provenance: "issue 11 figures: ResNet-18 224x224"}
EOF

# name model target calib in1 inN frames: ResNet-18's 16 frames per port, stage buffers and rings do not
# fit its 16 Mi-word buffer, so it runs 4 frames per run (its batch of 16 in 4 runs).
cases="lenet5|$root/testdata/models/lenet5/lenet5.onnx|sot-mram-45nm|mnist|in28_1|in28_16|16"
if [ "${PARALLEL_QUICK:-}" != 1 ]; then
	cases="$cases
vgg11_bn_32_default|$out/vgg11_bn_32.onnx|sot-mram-45nm|random:8|in32_1|in32_16|16
mobilenetv2_32|$out/mobilenetv2_32.onnx|sot-mram-45nm|random:8|in32_1|in32_16|16
resnet18_224_default|$out/resnet18_224.onnx|sot-mram-45nm|random:8|in224_1|in224_16|4
vgg11_bn_32|$out/vgg11_bn_32.onnx|$out/t32.yaml|random:8|in32_1|in32_16|16
resnet18_224|$out/resnet18_224.onnx|$out/t128.yaml|random:8|in224_1|in224_16|4
resnet18_224_serial|$out/resnet18_224.onnx|$out/t128serial.yaml|random:8|in224_1|in224_16|0
vgg11_bn_32_t64|$out/vgg11_bn_32.onnx|$out/t64.yaml|random:8|in32_1|in32_16|16
vgg11_bn_32_t64c128|$out/vgg11_bn_32.onnx|$out/t64c128.yaml|random:8|in32_1|in32_16|16
mobilenetv2_32_t64|$out/mobilenetv2_32.onnx|$out/t64.yaml|random:8|in32_1|in32_16|16"
fi
echo "$cases" | while IFS='|' read -r name model tgt calib in1 in16 frames; do
	$pimc compile "$model" -calib "$calib" -target "$tgt" -o "$out/$name.pimb" >"$out/$name.compile.txt" 2>&1
	$pimc sim "$out/$name.pimb" -i "$out/$in1.npy" -report "$out/$name.json" >"$out/$name.sim.txt" 2>&1
	[ "$frames" = 0 ] && continue # the serial engine has one controller: nothing to pipeline
	if $pimc compile "$model" -calib "$calib" -target "$tgt" -pipeline -pipeline-frames "$frames" -o "$out/$name-pipe.pimb" >"$out/$name-pipe.compile.txt" 2>&1; then
		$pimc sim "$out/$name-pipe.pimb" -i "$out/$in16.npy" -batch 16 -report "$out/$name-pipe.json" >"$out/$name-pipe.sim.txt" 2>&1 || true
	fi
done

$py - "$out" <<'EOF'
import json, os, re, sys
out = sys.argv[1]
def busy_bound(name):
    try:
        m = re.search(r"pixel-balance bound on sub-array busy: (\S+%)", open(f"{out}/{name}-pipe.compile.txt").read())
    except OSError:
        return ""
    return m.group(1) if m else ""
def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None
def fps(f):
    return f"{f:.0f}" if f >= 1e4 else f"{f:.4g}"
def t(ns):
    return f"{ns/1e6:.3g} ms" if ns >= 1e6 else f"{ns/1e3:.4g} us"
print("| model (W8A8) | instructions / image | latency / image | device bound | latency / bound | energy / image | GOPS | TOPS/W | sub-arrays used | busy | `-pipeline`, 16 images: single image | FPS with fill and drain | steady-state FPS | pipelined bound (FPS bound) | steady FPS / FPS bound | busy (steady state) | pixel-balance bound on busy |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for name in ["lenet5", "vgg11_bn_32_default", "mobilenetv2_32", "resnet18_224_default", "vgg11_bn_32", "resnet18_224", "resnet18_224_serial", "vgg11_bn_32_t64", "vgg11_bn_32_t64c128", "mobilenetv2_32_t64"]:
    r = load(f"{out}/{name}.json")
    if r is None:
        continue
    p = r["per_inference"]
    row = [name, f"{p['instructions']:,}", t(p["latency_ns"]), t(p["device_bound_ns"]), f"{p['latency_ns']/p['device_bound_ns']:.2f}",
           f"{p['energy_pj']['total']/1e6:.4g} uJ", f"{r['gops']:.4g}", f"{r['tops_per_w']:.4g}",
           f"{r['subarrays_used']} of {r['subarrays_total']}", f"{100*r['subarray_busy_fraction']:.1f}%"]
    q = load(f"{out}/{name}-pipe.json")
    if q is None:
        if not os.path.exists(f"{out}/{name}-pipe.compile.txt"):
            why = "-"  # not pipelined (the serial engine)
        elif not os.path.exists(f"{out}/{name}-pipe.pimb"):
            why = "refused"
        else:
            why = "failed"
        row += [why, "", "", "", "", "", ""]
    else:
        row += [t(q["single_image_ns"]), fps(q["fps"]), fps(q["steady_state_fps"]),
                f"{t(q['per_inference']['pipeline_bound_ns'])} ({fps(q['fps_bound'])})",
                f"{q['steady_state_fps']/q['fps_bound']:.2f}", f"{100*q['subarray_busy_fraction']:.1f}%", busy_bound(name)]
    print("| " + " | ".join(row) + " |")
EOF
