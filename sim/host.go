package sim

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"text/tabwriter"

	"github.com/pimc-dev/pimc/target"
)

// HostWork is the work a compiled model's host did, counted by the runtime
// that executed it (pimrt: the host ops on the interpreter, docs/BACKEND.md
// §5.1) from the ops it ran and the tensors they read and produced, never
// from declared numbers. All counts are integers summed over images, so
// adding them up in any order gives the same report.
type HostWork struct {
	Images    int64 // inferences counted
	Nodes     int64 // host ops executed
	Ops       int64 // element operations (function evaluations excluded)
	Functions int64 // transcendental function evaluations
	Transfers int64 // device ports written or read across the host interface
	Bits      int64 // bits moved by them (codes at their type's width)
	// ByOp splits Nodes, Ops and Functions by op mnemonic.
	ByOp map[string]*HostOpWork
}

// HostOpWork is the work of the host ops of one mnemonic.
type HostOpWork struct {
	Nodes, Ops, Functions int64
}

// AddOp counts one executed host op.
func (w *HostWork) AddOp(op string, ops, functions int64) {
	w.Nodes++
	w.Ops += ops
	w.Functions += functions
	if w.ByOp == nil {
		w.ByOp = map[string]*HostOpWork{}
	}
	o := w.ByOp[op]
	if o == nil {
		o = &HostOpWork{}
		w.ByOp[op] = o
	}
	o.Nodes++
	o.Ops += ops
	o.Functions += functions
}

// AddTransfer counts one port moved across the host interface.
func (w *HostWork) AddTransfer(bits int64) {
	w.Transfers++
	w.Bits += bits
}

// Merge adds o's counts to w.
func (w *HostWork) Merge(o *HostWork) {
	w.Images += o.Images
	w.Nodes += o.Nodes
	w.Ops += o.Ops
	w.Functions += o.Functions
	w.Transfers += o.Transfers
	w.Bits += o.Bits
	for op, x := range o.ByOp {
		if w.ByOp == nil {
			w.ByOp = map[string]*HostOpWork{}
		}
		y := w.ByOp[op]
		if y == nil {
			y = &HostOpWork{}
			w.ByOp[op] = y
		}
		y.Nodes += x.Nodes
		y.Ops += x.Ops
		y.Functions += x.Functions
	}
}

// HostReport is the host's share of one inference (means over the images):
// its work, its cost under the target's host model (target.Host) and the
// end-to-end figures of device and host together. The host runs between
// device segments, so latencies add (no overlap is modelled); the device's
// leakage while it waits for the host is not charged.
type HostReport struct {
	// Costed is false when the target has no host section: the work is
	// counted, its time and energy are 0 and the end-to-end figures leave
	// it out (Note says so).
	Costed    bool    `json:"costed"`
	Note      string  `json:"note,omitempty"`
	Nodes     float64 `json:"ops_executed"`
	Ops       float64 `json:"element_ops"`
	Functions float64 `json:"function_evaluations"`
	Transfers float64 `json:"transfers"`
	Bits      float64 `json:"transfer_bits"`

	ComputeNS  float64 `json:"compute_ns"`
	TransferNS float64 `json:"transfer_ns"`
	ComputePJ  float64 `json:"compute_energy_pj"`
	TransferPJ float64 `json:"transfer_energy_pj"`
	LatencyNS  float64 `json:"latency_ns"` // ComputeNS + TransferNS
	EnergyPJ   float64 `json:"energy_pj"`  // ComputePJ + TransferPJ

	// Device + host, and the host's fraction of each.
	TotalLatencyNS   float64 `json:"total_latency_ns"`
	TotalEnergyPJ    float64 `json:"total_energy_pj"`
	HostLatencyShare float64 `json:"host_latency_share"`
	HostEnergyShare  float64 `json:"host_energy_share"`
	FPS              float64 `json:"total_fps"`
	TOPSPerW         float64 `json:"total_tops_per_w"`

	ByOp []HostOpReport `json:"by_op"`
}

// HostOpReport is the per-inference work and cost of the host ops of one
// mnemonic.
type HostOpReport struct {
	Op        string  `json:"op"`
	Nodes     float64 `json:"ops_executed"`
	Ops       float64 `json:"element_ops"`
	Functions float64 `json:"function_evaluations"`
	LatencyNS float64 `json:"latency_ns"`
	EnergyPJ  float64 `json:"energy_pj"`
}

// AddHost costs w with t's host model and attaches the result to r as
// r.Host (per inference: w's totals / w.Images). The device figures of r
// are not changed.
func (r *Report) AddHost(t *target.Target, w *HostWork) {
	n := float64(max(w.Images, 1))
	h := &HostReport{
		Nodes: float64(w.Nodes) / n, Ops: float64(w.Ops) / n, Functions: float64(w.Functions) / n,
		Transfers: float64(w.Transfers) / n, Bits: float64(w.Bits) / n,
	}
	c, ok := t.HostCost()
	h.Costed = ok
	if !ok {
		h.Note = "the target has no host section: host work is counted, not costed"
	}
	elem := func(ops, fns float64) float64 { return ops + fns*float64(c.FunctionOps) }
	h.ComputeNS = elem(h.Ops, h.Functions) * c.OpNS
	h.ComputePJ = elem(h.Ops, h.Functions) * c.OpPJ
	h.TransferNS = h.Transfers*c.TransferNS + h.Bits*c.BitNS
	h.TransferPJ = h.Bits * c.BitPJ
	h.LatencyNS = h.ComputeNS + h.TransferNS
	h.EnergyPJ = h.ComputePJ + h.TransferPJ
	h.TotalLatencyNS = r.PerInference.LatencyNS + h.LatencyNS
	h.TotalEnergyPJ = r.PerInference.Energy.Total + h.EnergyPJ
	if h.TotalLatencyNS > 0 {
		h.HostLatencyShare = h.LatencyNS / h.TotalLatencyNS
		h.FPS = 1e9 / h.TotalLatencyNS
	}
	if h.TotalEnergyPJ > 0 {
		h.HostEnergyShare = h.EnergyPJ / h.TotalEnergyPJ
		h.TOPSPerW = 2 * r.MACs / h.TotalEnergyPJ
	}
	ops := make([]string, 0, len(w.ByOp))
	for op := range w.ByOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		o := w.ByOp[op]
		e := elem(float64(o.Ops), float64(o.Functions)) / n
		h.ByOp = append(h.ByOp, HostOpReport{
			Op: op, Nodes: float64(o.Nodes) / n, Ops: float64(o.Ops) / n, Functions: float64(o.Functions) / n,
			LatencyNS: e * c.OpNS, EnergyPJ: e * c.OpPJ,
		})
	}
	r.Host = h
}

// writeHost prints the host's share (HostReport) for people: its work and
// cost, the end-to-end figures and the host ops by mnemonic, costliest
// first.
func writeHost(w io.Writer, h *HostReport, dev Phase) {
	fmt.Fprintf(w, "\nhost (per inference: host ops on the host processor, ports across the host interface)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if !h.Costed {
		fmt.Fprintf(tw, "  not costed\t%s\n", h.Note)
	}
	fmt.Fprintf(tw, "  host ops\t%.0f executed, %.4g element ops, %.4g function evaluations: %s, %s\n",
		h.Nodes, h.Ops, h.Functions, FormatNS(h.ComputeNS), FormatPJ(h.ComputePJ))
	fmt.Fprintf(tw, "  transfers\t%.0f ports, %.4g KiB: %s, %s\n", h.Transfers, h.Bits/8/1024, FormatNS(h.TransferNS), FormatPJ(h.TransferPJ))
	fmt.Fprintf(tw, "  end to end\tlatency %s (device %s, host %s), energy %s (device %s, host %s), %s FPS, %.4g TOPS/W\n",
		FormatNS(h.TotalLatencyNS), fmtPct(dev.LatencyNS, h.TotalLatencyNS), fmtPct(h.LatencyNS, h.TotalLatencyNS),
		FormatPJ(h.TotalEnergyPJ), fmtPct(dev.Energy.Total, h.TotalEnergyPJ), fmtPct(h.EnergyPJ, h.TotalEnergyPJ),
		FormatFPS(h.FPS), h.TOPSPerW)
	tw.Flush()
	ops := slices.Clone(h.ByOp)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].LatencyNS > ops[j].LatencyNS })
	if len(ops) == 0 {
		return
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  op\texecuted\telement ops\tfunctions\tlatency\tenergy\t\n")
	for _, o := range ops {
		fmt.Fprintf(tw, "  %s\t%.0f\t%.0f\t%.0f\t%s\t%s\t\n", o.Op, o.Nodes, o.Ops, o.Functions, FormatNS(o.LatencyNS), FormatPJ(o.EnergyPJ))
	}
	tw.Flush()
}
