package pimrt_test

import (
	"math"
	"testing"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
)

// TestHostWork: an inference counts every host op it executed and every
// port it moved, from the tensors themselves; RunBatch's report costs them
// with the target's host section per inference, beside the device's
// figures, and says when the target has none.
func TestHostWork(t *testing.T) {
	_, res, m := compiledLeNet5(t)
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	r, err := m.Run([]*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	w := r.Host
	if w.Images != 1 || w.Nodes != int64(len(m.Host.Graph.Nodes)) {
		t.Fatalf("%d images, %d host ops; want 1 and the host graph's %d", w.Images, w.Nodes, len(m.Host.Graph.Nodes))
	}
	// LeNet-5: quantize the 784 inputs (3 ops each), dequantize the 10 logits (2 each).
	if q, d := w.ByOp["quantize"], w.ByOp["dequantize"]; q == nil || d == nil || q.Ops != 3*784 || d.Ops != 2*10 || w.Ops != q.Ops+d.Ops {
		t.Fatalf("by op %+v %+v, total %d; want quantize 2352 and dequantize 20 element ops", q, d, w.Ops)
	}
	// Every port of the program is moved once, its codes at its type's width.
	var ports, bits int64
	for _, p := range res.Prog.Ports {
		if p.Name == backend.SegmentPort {
			continue
		}
		n := int64(1)
		for _, d := range p.Shape {
			n *= int64(d)
		}
		ports++
		bits += n * int64(p.Type.Bits())
	}
	if w.Transfers != ports || w.Bits != bits {
		t.Fatalf("%d transfers of %d bits, want %d of %d", w.Transfers, w.Bits, ports, bits)
	}

	batch := [][]*tensor.Tensor{{x}, {x}, {x}}
	_, rep, err := m.RunBatch(batch, sim.BatchOptions{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Host
	c, _ := res.Target.HostCost()
	wantNS := float64(w.Ops)*c.OpNS + float64(w.Transfers)*c.TransferNS + float64(w.Bits)*c.BitNS
	wantPJ := float64(w.Ops)*c.OpPJ + float64(w.Bits)*c.BitPJ
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if h == nil || !h.Costed || h.Nodes != float64(w.Nodes) || !near(h.LatencyNS, wantNS) || !near(h.EnergyPJ, wantPJ) {
		t.Fatalf("host report %+v; want per inference %d ops, %v ns, %v pJ", h, w.Nodes, wantNS, wantPJ)
	}
	if !near(h.TotalLatencyNS, rep.PerInference.LatencyNS+wantNS) || !near(h.TotalEnergyPJ, rep.PerInference.Energy.Total+wantPJ) ||
		!near(h.HostLatencyShare, wantNS/h.TotalLatencyNS) || h.HostEnergyShare <= 0 || h.HostEnergyShare >= 1 {
		t.Fatalf("end to end %v ns, %v pJ, shares %v %v", h.TotalLatencyNS, h.TotalEnergyPJ, h.HostLatencyShare, h.HostEnergyShare)
	}

	// The same program on a description without a host section: counted, not costed.
	bare := *res.Target
	bare.Host = nil
	m2, err := pimrt.Load(res.Prog, &bare)
	if err != nil {
		t.Fatal(err)
	}
	_, rep2, err := m2.RunBatch(batch[:1], sim.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h2 := rep2.Host; h2 == nil || h2.Costed || h2.Note == "" || h2.Ops != float64(w.Ops) || h2.LatencyNS != 0 || h2.TotalLatencyNS != rep2.PerInference.LatencyNS {
		t.Fatalf("without a host section: %+v", h2)
	}
}
