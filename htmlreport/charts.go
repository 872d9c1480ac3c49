package htmlreport

import (
	"fmt"
	"sort"

	"github.com/pimc-dev/pimc/sim"
)

// Run is one report of a page: a simulator cost report and, for an
// evaluation, its accuracy.
type Run struct {
	Name   string
	Report *sim.Report
	// Accuracy is the fraction of images classified right, when the run
	// was an evaluation (HasAccuracy).
	Accuracy    float64
	HasAccuracy bool
	Images      int        // images evaluated (0: not an evaluation)
	Confusion   *Confusion // an evaluation's predictions by true class (nil: none)
	// Layers are the compiled matrix layers (pimc compile's per-layer
	// lines), nil when the run was not compiled here; Target names the
	// target of a run without a Report.
	Layers []Layer
	Target string
}

// Layer is one compiled matrix layer: its structure after pruning and its
// widths.
type Layer struct {
	Name, Op              string
	Filters, KeptFilters  int
	Cols, KeptCols        int
	WBits, ABits          int
	Subarrays, WeightRows int
}

// Structure: per matrix layer, the share of filters and of columns kept
// (structured pruning leaves whole ones), labelled with the widths and
// the sub-arrays it takes.
func Structure(run Run) *BarChart {
	c := &BarChart{ID: "structure", Title: run.Name + ": matrix layers kept after pruning", Unit: "%",
		Series: []string{"filters kept", "columns kept"},
		Format: func(v float64) string { return fmt.Sprintf("%.1f%%", v) },
		Note:   "Kept / original filters (rows) and columns (K = C_in x kh x kw); a label gives the layer's weight and activation widths and its sub-arrays."}
	for _, l := range run.Layers {
		label := l.Name
		if l.WBits > 0 {
			label += fmt.Sprintf(" W%d", l.WBits)
		}
		if l.ABits > 0 {
			label += fmt.Sprintf(" A%d", l.ABits)
		}
		label += fmt.Sprintf(", %d sub-arrays", l.Subarrays)
		c.Rows = append(c.Rows, BarRow{Label: label, Values: []float64{
			100 * float64(l.KeptFilters) / float64(max(l.Filters, 1)), 100 * float64(l.KeptCols) / float64(max(l.Cols, 1))}})
	}
	return c
}

// maxResourceRows bounds the utilisation chart: the busiest resources.
const maxResourceRows = 40

// energyUnit picks a unit for energies given in pJ whose largest is max.
func energyUnit(maxPJ float64) (string, float64) {
	return scaleUnit(maxPJ, []string{"pJ", "nJ", "uJ", "mJ"})
}

// timeUnit picks a unit for times given in ns whose largest is max.
func timeUnit(maxNS float64) (string, float64) {
	return scaleUnit(maxNS, []string{"ns", "us", "ms"})
}

// scaleUnit picks among units, each 1000 times the one before, the
// largest that keeps max at 1 or more, and its divisor.
func scaleUnit(max float64, units []string) (string, float64) {
	div := 1.0
	for i := range units {
		if i == len(units)-1 || max < div*1000 {
			return units[i], div
		}
		div *= 1000
	}
	return units[0], 1
}

// energyComponents are the stacked segments of an energy bar: the dynamic
// components in the order of the text report, then leakage.
var energyComponents = []struct {
	name string
	get  func(*sim.Energy) float64
}{
	{"AND/OR sense + row read", func(e *sim.Energy) float64 { return e.Sense }},
	{"row writes", func(e *sim.Energy) float64 { return e.Write }},
	{"popcount", func(e *sim.Energy) float64 { return e.Popcount }},
	{"shift-add", func(e *sim.Energy) float64 { return e.ShiftAdd }},
	{"acc transfer", func(e *sim.Energy) float64 { return e.AccTransfer }},
	{"DPU", func(e *sim.Energy) float64 { return e.DPU }},
	{"buffers", func(e *sim.Energy) float64 { return e.Buffer }},
	{"controller", func(e *sim.Energy) float64 { return e.Controller }},
	{"interconnect", func(e *sim.Energy) float64 { return e.Interconnect }},
	{"DRAM", func(e *sim.Energy) float64 { return e.DRAM }},
	{"leakage", func(e *sim.Energy) float64 { return e.Leakage }},
}

// layers are the sources that took time or energy (a reshape takes none).
func layers(r *sim.Report) []sim.SourceReport {
	var out []sim.SourceReport
	for _, s := range r.Sources {
		if s.LatencyNS > 0 || s.Energy.Total > 0 {
			out = append(out, s)
		}
	}
	return out
}

func layerLabel(s sim.SourceReport) string {
	if s.Layer != "" {
		return s.Layer
	}
	return s.Node
}

// LayerLatency: per layer, the controller time charged to it (these add up
// to the latency) beside its bound (what its busiest resource needs).
func LayerLatency(run Run) *BarChart {
	ls := layers(run.Report)
	m := 0.0
	for _, s := range ls {
		m = max(m, s.LatencyNS, s.BoundNS)
	}
	unit, div := timeUnit(m)
	c := &BarChart{ID: "layer-latency", Title: run.Name + ": latency per layer", Unit: unit,
		Series: []string{"latency (controller time charged)", "bound (busiest resource's work)"},
		Note:   "Per inference; the latencies add up to the frame latency; a layer's bound is what its busiest resource needs with no waiting."}
	for _, s := range ls {
		c.Rows = append(c.Rows, BarRow{Label: layerLabel(s), Values: []float64{s.LatencyNS / div, s.BoundNS / div}})
	}
	return c
}

// LayerEnergy: per layer, energy stacked by component.
func LayerEnergy(run Run) *BarChart {
	ls := layers(run.Report)
	m := 0.0
	for _, s := range ls {
		m = max(m, s.Energy.Total)
	}
	unit, div := energyUnit(m)
	c := &BarChart{ID: "layer-energy", Title: run.Name + ": energy per layer by component", Unit: unit, Stacked: true,
		Note: "Per inference; leakage is static power x the time charged to the layer."}
	for _, k := range energyComponents {
		c.Series = append(c.Series, k.name)
	}
	for _, s := range ls {
		row := BarRow{Label: layerLabel(s)}
		for _, k := range energyComponents {
			row.Values = append(row.Values, k.get(&s.Energy)/div)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// Utilisation: the busy fraction of the sub-arrays used (their mean) and of
// every resource that did work, busiest first.
func Utilisation(run Run) *BarChart {
	r := run.Report
	c := &BarChart{ID: "utilisation", Title: run.Name + ": utilisation", Unit: "%", Series: []string{"busy"},
		Format: func(v float64) string { return fmt.Sprintf("%.1f%%", v) }}
	c.Rows = append(c.Rows, BarRow{Label: fmt.Sprintf("sub-arrays (mean of %d used)", r.SubarraysUsed),
		Values: []float64{100 * r.SubarrayBusyFrac}})
	res := append([]sim.ResourceUse(nil), r.Resources...)
	sort.SliceStable(res, func(i, j int) bool { return res[i].Utilisation > res[j].Utilisation })
	shown := res
	if len(shown) > maxResourceRows {
		shown = shown[:maxResourceRows]
	}
	for _, u := range shown {
		c.Rows = append(c.Rows, BarRow{Label: u.Resource, Values: []float64{100 * u.Utilisation}})
	}
	idle := 0
	for _, n := range r.ResourceCounts {
		idle += n
	}
	idle -= len(res)
	c.Note = fmt.Sprintf("Busy time / run time (steady state of a pipelined batch). %d resources did work", len(res))
	if len(res) > len(shown) {
		c.Note += fmt.Sprintf(", the %d busiest shown", len(shown))
	}
	c.Note += fmt.Sprintf("; %d were idle.", max(idle, 0))
	return c
}

// Area: the whole chip and the area this program uses, by component.
func Area(run Run) *BarChart {
	r := run.Report
	c := &BarChart{ID: "area", Title: run.Name + ": area", Unit: "mm2", Series: []string{"chip", "this program"},
		Note: fmt.Sprintf("Chip %.4g mm2, this program %.4g mm2 used (buffers at the width of its codes).", r.AreaTotalUM2/1e6, r.AreaUsedUM2/1e6)}
	used := map[string]float64{}
	for _, a := range r.AreaUsed {
		used[a.Name] = a.UM2
	}
	for _, a := range r.Area {
		c.Rows = append(c.Rows, BarRow{Label: a.Name, Values: []float64{a.UM2 / 1e6, used[a.Name] / 1e6}})
	}
	return c
}

// CompareLatency, CompareEnergy and CompareAccuracy put several runs side
// by side (per inference).
func CompareLatency(runs []Run) *BarChart {
	runs = simulated(runs)
	if len(runs) < 2 {
		return nil
	}
	m := 0.0
	for _, r := range runs {
		m = max(m, r.Report.PerInference.LatencyNS, r.Report.PerInference.DeviceBoundNS)
	}
	unit, div := timeUnit(m)
	c := &BarChart{ID: "compare-latency", Title: "Latency per inference", Unit: unit,
		Series: []string{"latency", "device bound"}}
	for _, r := range runs {
		p := r.Report.PerInference
		c.Rows = append(c.Rows, BarRow{Label: r.Name, Values: []float64{p.LatencyNS / div, p.DeviceBoundNS / div}})
	}
	return c
}

func CompareEnergy(runs []Run) *BarChart {
	runs = simulated(runs)
	m := 0.0
	for _, r := range runs {
		m = max(m, r.Report.PerInference.Energy.Total)
	}
	unit, div := energyUnit(m)
	c := &BarChart{ID: "compare-energy", Title: "Energy per inference", Unit: unit, Stacked: true}
	for _, k := range energyComponents {
		c.Series = append(c.Series, k.name)
	}
	for _, r := range runs {
		row := BarRow{Label: r.Name}
		for _, k := range energyComponents {
			row.Values = append(row.Values, k.get(&r.Report.PerInference.Energy)/div)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// CompareAccuracy is nil unless some run is an evaluation.
func CompareAccuracy(runs []Run) *BarChart {
	c := &BarChart{ID: "compare-accuracy", Title: "Accuracy", Unit: "%", Series: []string{"accuracy"},
		Format: func(v float64) string { return fmt.Sprintf("%.2f%%", v) }}
	for _, r := range runs {
		if r.HasAccuracy {
			c.Rows = append(c.Rows, BarRow{Label: fmt.Sprintf("%s (%d images)", r.Name, r.Images), Values: []float64{100 * r.Accuracy}})
		}
	}
	if len(c.Rows) == 0 {
		return nil
	}
	return c
}

// simulated are the runs with a simulator report.
func simulated(runs []Run) []Run {
	var out []Run
	for _, r := range runs {
		if r.Report != nil {
			out = append(out, r)
		}
	}
	return out
}
