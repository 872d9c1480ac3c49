#!/usr/bin/python3
"""scripts/timemux-bound.py COMPILE.txt SIM.json TARGET [PERIOD_FLOOR_US] - how busy a pipelined
schedule could keep a chip's sub-arrays if layers may time-share sub-arrays by reprogramming their
weights from the DRAM (docs/PARALLEL.md §8, issue 11's busy criterion on the default target).

COMPILE.txt: the summary of `pimc compile M.onnx -target T` (one `qconv`/`qfc` line per matrix layer:
sub-arrays, pixels, weight rows, replicas), compiled where every weight is stationary (a target with
enough banks) so that each sub-array holds one layer. SIM.json: `pimc sim P.pimb -i IN.npy -report
SIM.json` of that program on one image: a layer's sub-array work per image is the busy time of its
sub-arrays. TARGET: the target the bound is for (a preset or YAML, through `pimc target show -json`):
its sub-arrays, columns, row write latency and energy, DRAM bandwidth and energy. PERIOD_FLOOR_US: a
lower bound on the period from elsewhere (e.g. the controllers' issue work per image / controllers).

The model, per layer l: S_l sub-arrays per copy, P_l output pixels, w_l = its work per image / (P_l
S_l), the time one copy's sub-array spends per pixel. At a period T a stationary layer needs
ceil(P_l w_l / T) copies (a pixel is never split between copies: the pixel-balance bound of
docs/BACKEND.md §8, which this reproduces with no layer reprogrammed). A reprogrammed layer sits in one
of K windows (a window as large as its largest layer; per frame it runs its layers' pixels one after
the other plus their weight writes, rows_l / S_l x row_write per sub-array); its weight rows cross the
one DRAM channel once every F frames (F = 1: a streaming pipeline rewrites them every frame; F = 16:
a schedule that runs a run's 16 frames through a layer per load, not built). Busy = (work + weight
writes) / (T x sub-arrays used). The search takes the best T, K and set of reprogrammed layers: every
subset for up to 16 layers, a local search (single flips from none and from all) above that, so for
larger models it is an estimate, not a bound. Optimistic: controllers, links, buffer ports, the DRAM
latency and the order of the layers are not modelled, so a real schedule does worse.
"""
import collections
import json
import math
import re
import subprocess
import sys


def target(spec):
    out = subprocess.run(["pimc", "target", "show", "-json", spec], check=True, capture_output=True, text=True).stdout
    t = json.loads(out)

    def val(d, unit):
        if d["unit"] != unit:
            sys.exit(f"timemux-bound: {spec}: expected {unit}, got {d['unit']}")
        return float(d["value"])
    g = t["geometry"]
    subarrays = int(g["banks"]["value"]) * int(g["mats_per_bank"]["value"]) * int(g["subarrays_per_mat"]["value"])
    cols = int(g["cols"]["value"])
    return dict(subarrays=subarrays, cols=cols,
                row_ns=val(t["ops"]["row_write"]["latency"], "ns"),
                row_pj=val(t["ops"]["row_write"]["energy"], "fJ/bit") * cols / 1000,
                dram_ns_per_row=cols / (val(t["dram"]["bandwidth"], "GB/s") * 8),
                dram_pj_per_row=val(t["dram"]["energy"], "pJ/bit") * cols)


def layers(compile_txt, sim_json):
    r = json.load(open(sim_json))
    lat = r["per_inference"]["latency_ns"]
    layer_of = {s["index"]: s["layer"] for s in r["sources"]}
    work = collections.defaultdict(float)
    for s in r["subarrays"]:
        work[layer_of[s["source"]]] += s["busy"] * lat
    out = []
    for line in open(compile_txt):
        m = re.match(r'\s+q(conv|fc)\s+"([^"]+)"', line)
        if not m:
            continue
        f = dict(re.findall(r"(sub-arrays|pixels|replicas) (\d+)", line))
        rows = int(re.search(r"weight rows (\d+)", line).group(1))
        per_copy = int(f["sub-arrays"]) // int(f.get("replicas", 1))
        px = int(f["pixels"])
        out.append(dict(name=m.group(2), s=per_copy, p=px, rows=rows, w=work[m.group(2)] / (px * per_copy)))
    if not out:
        sys.exit(f"timemux-bound: {compile_txt}: no qconv/qfc lines (the summary of pimc compile)")
    return out, sum(work.values())


def busy(L, W, t, T, M, F, K):
    rows = sum(L[i]["rows"] for i in M)
    if t["dram_ns_per_row"] * rows / F > T:
        return None
    wins = [[0.0, 0] for _ in range(K)]
    for i in sorted(M, key=lambda i: -L[i]["p"] * L[i]["w"]):
        x = min(wins, key=lambda x: x[0])
        x[0] += L[i]["p"] * L[i]["w"] + L[i]["rows"] / L[i]["s"] * t["row_ns"] / F
        x[1] = max(x[1], L[i]["s"])
    if any(x[0] > T for x in wins):
        return None
    n = sum(x[1] for x in wins) + sum(l["s"] * max(1, math.ceil(l["p"] * l["w"] / T)) for i, l in enumerate(L) if i not in M)
    if n > t["subarrays"]:
        return None
    return (W + t["row_ns"] * rows / F) / (T * n), n, rows


PERIODS = [x * 1e3 for x in range(2, 100, 2)] + [x * 1e4 for x in range(10, 200, 2)]


def best(L, W, t, F, floor_ns, stationary=False):
    top = None
    periods = PERIODS
    if stationary:  # the breakpoints, where some layer's copies change (as the pixel-balance bound)
        periods = sorted({l["p"] * l["w"] / k for l in L for k in range(1, l["p"] + 1)} | set(PERIODS))
    for T in (p for p in periods if p >= floor_ns and p > 0):
        for K in ((1,) if stationary else (1, 2, 3, 4, 8)):
            if stationary:
                sets = [set()]
            elif len(L) <= 16:
                sets = [{i for i in range(len(L)) if mask >> i & 1} for mask in range(1 << len(L))]
            else:
                sets = []
                for M in (set(), set(range(len(L)))):
                    b = busy(L, W, t, T, M, F, K)
                    improved = True
                    while improved:
                        improved = False
                        for i in range(len(L)):
                            bb = busy(L, W, t, T, M ^ {i}, F, K)
                            if bb and (b is None or bb[0] > b[0] + 1e-12):
                                M, b, improved = M ^ {i}, bb, True
                    sets.append(M)
            for M in sets:
                b = busy(L, W, t, T, M, F, K)
                if b and (top is None or b[0] > top[0]):
                    top = (b[0], T, K, sorted(M), b[1], b[2])
    return top


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: " + __doc__.split(" - ")[0])
    t = target(sys.argv[3])
    L, W = layers(sys.argv[1], sys.argv[2])
    floor_ns = float(sys.argv[4]) * 1e3 if len(sys.argv) == 5 else 0
    print(f"{len(L)} matrix layers, {sum(l['s'] for l in L)} sub-arrays per copy, {sum(l['rows'] for l in L)} weight rows, "
          f"{W / 1e6:.4g} ms of sub-array work per image; target {t['subarrays']} sub-arrays; period >= {floor_ns / 1e3:.0f} us")
    for F, what in ((0, "every weight stationary"), (1, "weights rewritten every frame"), (16, "weights rewritten once per 16 frames")):
        r = best(L, W, t, max(F, 1), floor_ns, stationary=F == 0)
        if r is None:
            print(f"  {what}: no schedule fits")
            continue
        b, T, K, M, n, rows = r
        extra = ""
        if M:
            extra = (f", {len(M)} layers reprogrammed in {K} window(s) ({rows} rows: DRAM "
                     f"{rows * t['dram_pj_per_row'] / F / 1e6:.4g} uJ and SOT writes {rows * t['row_pj'] / F / 1e6:.3g} uJ per frame): "
                     + " ".join(L[i]["name"] for i in M))
        print(f"  {what}: busy <= {100 * b:.1f}% at a period of {T / 1e3:.0f} us on {n} sub-arrays{extra}")


main()
