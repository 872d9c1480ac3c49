package sim

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report for people: totals, the energy split, one row
// per source (layer / ONNX node) and the area breakdown.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	p := r.PerInference
	fmt.Fprintf(&b, "target %s (%.4g GHz), %d instructions, %d weight rows\n", r.Target, r.ClockGHz, r.Instructions, r.WeightRows)
	fmt.Fprintf(&b, "images %d", r.Images)
	if r.Images > 1 {
		fmt.Fprintf(&b, " (per-inference figures are means; batch total %s, %s)", FormatNS(r.Batch.LatencyNS), FormatPJ(r.Batch.Energy.Total))
	}
	b.WriteString("\n\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "per inference\t\n")
	fmt.Fprintf(tw, "  latency\t%s (%.0f cycles)\n", FormatNS(p.LatencyNS), p.Cycles)
	fmt.Fprintf(tw, "  device bound\t%s (%s of the latency", FormatNS(p.DeviceBoundNS), fmtPct(p.DeviceBoundNS, p.LatencyNS))
	if r.Runs < r.Images {
		// Pipelined runs overlap images: the latency per image can beat
		// the bound of one image alone; the pipeline bound is theirs.
		fmt.Fprintf(tw, " per image of %d-image runs; one image alone", r.Images/max(r.Runs, 1))
	}
	if p.CriticalPathNS < p.DeviceBoundNS {
		// Independent layers could overlap, but they share the busiest resource.
		fmt.Fprintf(tw, "; critical path %s", FormatNS(p.CriticalPathNS))
	}
	fmt.Fprintf(tw, ")\n")
	if r.FPSBound > 0 {
		fmt.Fprintf(tw, "  pipeline bound\t%s (%s FPS; busiest: %s)\n", FormatNS(p.PipelineBoundNS), FormatFPS(r.FPSBound), r.PipelineBusiest)
	}
	for _, st := range r.Stages {
		if !st.Slowest {
			continue
		}
		fmt.Fprintf(tw, "  slowest stage\tcontroller %d of %d: %s (%s FPS; busiest: %s; %s)\n", st.Controller, len(r.Stages),
			FormatNS(st.BoundNS), FormatFPS(1e9/max(st.BoundNS, 1e-9)), st.Busiest, strings.Join(st.Layers, " "))
	}
	fmt.Fprintf(tw, "  instructions\t%.0f\n", p.Instructions)
	fmt.Fprintf(tw, "  energy\t%s\n", FormatPJ(p.Energy.Total))
	if p.DRAMBits > 0 { // off-chip transfers (ISA v1.6, dram.go)
		fmt.Fprintf(tw, "  DRAM\t%.4g MiB moved, channel busy %s (%.1f%% of the latency), %s\n", p.DRAMBits/8/(1<<20),
			FormatNS(p.DRAMNS), pct(p.DRAMNS, p.LatencyNS), FormatPJ(p.Energy.DRAM))
	}
	fmt.Fprintf(tw, "  average power\t%.4g mW\n", p.AvgPowerMW)
	if p.LatencyNS > 0 {
		gating := "every sub-array powered"
		if r.PowerGating {
			gating = "untouched sub-arrays and idle controllers power-gated"
		}
		fmt.Fprintf(tw, "  static power\t%.4g mW (leakage, %s)\n", p.Energy.Leakage/p.LatencyNS, gating)
	}
	fmt.Fprintf(tw, "  throughput\t%s FPS\n", FormatFPS(r.FPS))
	if r.SingleImageNS > 0 { // runs of several frames (steady.go)
		fmt.Fprintf(tw, "  single image\t%s (latency of image 0 alone: a one-frame run)\n", FormatNS(r.SingleImageNS))
		fmt.Fprintf(tw, "  steady state\t%s FPS (%d frames in %s", FormatFPS(r.SteadyStateFPS), r.PipelinedFrames, FormatNS(r.PipelinedNS))
		if r.PipelinedRuns > 1 {
			fmt.Fprintf(tw, " over %d runs", r.PipelinedRuns)
		}
		fmt.Fprintf(tw, "; %s FPS with fill and drain)\n", FormatFPS(r.PipelinedFPS))
	}
	fmt.Fprintf(tw, "  MACs\t%.0f (%.4g GOPS, %.4g TOPS/W)\n", r.MACs, r.GOPS, r.TOPSPerW)
	fmt.Fprintf(tw, "  sub-arrays\t%d of %d used, busy %.1f%% of the time", r.SubarraysUsed, r.SubarraysTotal, 100*r.SubarrayBusyFrac)
	if r.SteadyStateNS > 0 {
		fmt.Fprintf(tw, " (steady state: %s of pipelined runs)", FormatNS(r.SteadyStateNS))
	}
	if r.SubarrayBusyUnsure > 0 { // streams sharing a sub-array (outOfOrder)
		fmt.Fprintf(tw, " (at most %.1f%% more: work of streams sharing sub-arrays out of order)", 100*r.SubarrayBusyUnsure)
	}
	fmt.Fprintln(tw)
	writeUtilisation(tw, r.Resources, r.ResourceCounts)
	fmt.Fprintf(tw, "weight programming (once)\t%s, %s\n", FormatNS(r.Load.LatencyNS), FormatPJ(r.Load.Energy.Total))
	tw.Flush()
	if r.Host != nil {
		writeHost(&b, r.Host, p)
	}

	b.WriteString("\nenergy per inference by component\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	e := p.Energy
	items := []struct {
		name string
		pj   float64
	}{
		{"AND/OR sense + row read", e.Sense}, {"row writes", e.Write}, {"popcount", e.Popcount},
		{"shift-add", e.ShiftAdd}, {"acc transfer", e.AccTransfer}, {"DPU", e.DPU},
		{"buffers", e.Buffer}, {"controller", e.Controller}, {"leakage", e.Leakage},
	}
	if e.Interconnect != 0 { // the parallel engine's broadcasts, links, tokens
		items = append(items[:len(items)-1], struct {
			name string
			pj   float64
		}{"interconnect", e.Interconnect}, items[len(items)-1])
	}
	if e.DRAM != 0 { // the off-chip memory (ISA v1.6)
		items = append(items[:len(items)-1], struct {
			name string
			pj   float64
		}{"DRAM", e.DRAM}, items[len(items)-1])
	}
	for _, it := range items {
		fmt.Fprintf(tw, "  %s\t%s\t%5.1f%%\t\n", it.name, FormatPJ(it.pj), pct(it.pj, e.Total))
	}
	tw.Flush()

	b.WriteString("\nper source (per inference; latency = controller time charged)\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  layer\tnode\tinstrs\tcycles\tlatency\t%%\tenergy\t%%\tMACs\tbound\tbusiest resource\tcritical\t\n")
	for _, s := range r.Sources {
		crit := ""
		if s.Critical {
			crit = "*"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.0f\t%.0f\t%s\t%.1f%%\t%s\t%.1f%%\t%.0f\t%s\t%s\t%s\t\n", s.Layer, s.Node, s.Instructions, s.Cycles,
			FormatNS(s.LatencyNS), pct(s.LatencyNS, p.LatencyNS), FormatPJ(s.Energy.Total), pct(s.Energy.Total, e.Total), s.MACs,
			FormatNS(s.BoundNS), s.Busiest, crit)
	}
	tw.Flush()

	if len(r.Hotspots) > 0 {
		b.WriteString("\nhotspots (controller time per inference)\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, h := range r.Hotspots {
			fmt.Fprintf(tw, "  pc %d\t%s\t%.0f x\t%s\t%.1f%%\t%s\n", h.PC, h.Instr, h.Count, FormatNS(h.LatencyNS), pct(h.LatencyNS, p.LatencyNS), h.Source)
		}
		tw.Flush()
	}

	b.WriteString("\narea (chip; used: what this program uses of it, buffers at the width of its codes)\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for i, a := range r.Area {
		used := ""
		if i < len(r.AreaUsed) {
			used = fmt.Sprintf("%.4g mm2 used", r.AreaUsed[i].UM2/1e6)
		}
		fmt.Fprintf(tw, "  %s\t%.4g mm2\t%5.1f%%\t%s\t  %s\n", a.Name, a.UM2/1e6, pct(a.UM2, r.AreaTotalUM2), used, a.Formula)
	}
	tw.Flush()
	fmt.Fprintf(&b, "  %s\n", r.AreaLine())
	_, err := io.WriteString(w, b.String())
	return err
}

// writeUtilisation prints one line per kind of shared resource the target
// has: how many, their mean busy fraction and, for several, the busiest one.
func writeUtilisation(w io.Writer, res []ResourceUse, counts map[string]int) {
	for _, k := range []struct{ kind, name, what string }{
		{"issue", "controllers", "issue busy"}, {"DPU", "DPUs", "busy"}, {"buffer port", "buffer ports", "busy"}, {"link", "links", "busy"},
		{"DRAM", "DRAM channel", "busy"}, // listed when a transfer used it (ISA v1.6)
	} {
		n := counts[k.kind]
		var sum float64
		top := -1
		steady := false
		for i, u := range res {
			if u.Kind != k.kind {
				continue
			}
			steady = steady || u.SteadyState
			sum += u.Utilisation
			if top < 0 || u.Utilisation > res[top].Utilisation {
				top = i
			}
		}
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\t%d, %s %.1f%% of the time", k.name, n, k.what, 100*sum/float64(n))
		if n > 1 && top >= 0 {
			fmt.Fprintf(w, " (mean; busiest %s: %.1f%%)", res[top].Resource, 100*res[top].Utilisation)
		}
		if steady { // a pipelined batch, like the sub-arrays line
			fmt.Fprintf(w, " over the steady state")
		}
		fmt.Fprintln(w)
	}
}

// FormatFPS prints a frame rate with 4 significant digits, without exponent
// (scripts read the FPS figures of the text reports; 1.139e+04 is awkward).
func FormatFPS(f float64) string {
	if f >= 1e4 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.4g", f)
}

// fmtPct prints a/total as a percentage, "-" without a total.
func fmtPct(a, total float64) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*a/total)
}

func pct(a, total float64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * a / total
}

// FormatNS prints a time given in ns with a readable unit (ns, us, ms);
// the CLI uses it too, so every table reads the same.
func FormatNS(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.4g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.4g us", ns/1e3)
	}
	return fmt.Sprintf("%.4g ns", ns)
}

// FormatPJ prints an energy given in pJ with a readable unit (pJ, nJ, uJ).
func FormatPJ(pj float64) string {
	switch {
	case pj >= 1e6:
		return fmt.Sprintf("%.4g uJ", pj/1e6)
	case pj >= 1e3:
		return fmt.Sprintf("%.4g nJ", pj/1e3)
	}
	return fmt.Sprintf("%.4g pJ", pj)
}
