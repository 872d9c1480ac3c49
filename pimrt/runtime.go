package pimrt

import (
	"fmt"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/interp"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// Model is a loaded compiled model.
type Model struct {
	Prog   *isa.Program
	Host   *backend.HostManifest
	Exe    *sim.Executable
	byName map[string]*ir.Value
	// codeBits is the width of each port's codes (its ISA type): what a
	// transfer across the host interface moves per element.
	codeBits map[string]int64
}

// Load prepares a compiled program (with its host section) for tgt.
func Load(prog *isa.Program, tgt *target.Target) (*Model, error) {
	if len(prog.Host) == 0 {
		return nil, fmt.Errorf("runtime: the program has no host section (not compiled by pimc compile); run it with pimc sim")
	}
	h, err := backend.ParseHost(prog.Host)
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	exe, err := sim.Prepare(prog, tgt)
	if err != nil {
		return nil, err
	}
	m := &Model{Prog: prog, Host: h, Exe: exe, byName: map[string]*ir.Value{}, codeBits: map[string]int64{}}
	for _, p := range prog.Ports {
		m.codeBits[p.Name] = int64(p.Type.Bits())
	}
	for _, v := range h.Graph.Inputs {
		m.byName[v.Name] = v
	}
	for _, n := range h.Graph.Nodes {
		for _, o := range n.Outputs {
			m.byName[o.Name] = o
		}
	}
	for _, s := range h.Segments {
		for _, p := range append(append([]string{}, s.In...), s.Out...) {
			if m.value(p) == nil {
				return nil, fmt.Errorf("runtime: host section: port %q is not a value of the host graph", p)
			}
		}
	}
	if err := checkPortSegments(prog, h); err != nil {
		return nil, err
	}
	return m, nil
}

// checkPortSegments checks that every port the host section lists for
// segment k is a port of segment k (or of every segment) in the program:
// ports of different segments may share buffer words, so the runtime must
// only write and read the ports of the segment it runs. Programs that
// record no segments (every Port.Segment 0: single-segment programs and
// files older than format v1.3, whose ports are all disjoint) pass.
func checkPortSegments(prog *isa.Program, h *backend.HostManifest) error {
	seg := map[string]int32{}
	recorded := false
	for _, p := range prog.Ports {
		seg[p.Name] = p.Segment
		recorded = recorded || p.Segment != 0
	}
	if !recorded {
		return nil
	}
	for k, s := range h.Segments {
		for _, name := range append(append([]string{}, s.In...), s.Out...) {
			got, ok := seg[name]
			if !ok {
				return fmt.Errorf("runtime: host section: segment %d: the program has no port %q", k, name)
			}
			if got != int32(k) && got != isa.AllSegments {
				return fmt.Errorf("runtime: host section: segment %d lists port %q, which the program assigns to segment %d", k, name, got)
			}
		}
	}
	return nil
}

// Result is one inference: the model outputs (float, ONNX layouts), the raw
// integer codes of every device port in logical (ONNX) layout, the
// simulator statistics of each segment run and the host's work (its host
// ops and port transfers, hostwork.go; Host.Images is 1).
type Result struct {
	Outputs []*tensor.Tensor
	Ports   map[string]*tensor.Tensor
	Stats   []*sim.RunStats
	Host    sim.HostWork
}

// Run runs one inference on a fresh machine.
func (m *Model) Run(inputs []*tensor.Tensor) (*Result, error) {
	return m.RunOn(m.Exe.NewMachine(), inputs)
}

// RunOn runs one inference on mach (made from m.Exe), resetting it before
// every segment.
func (m *Model) RunOn(mach *sim.Machine, inputs []*tensor.Tensor) (*Result, error) {
	rs, err := m.RunFramesOn(mach, [][]*tensor.Tensor{inputs})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// RunFramesOn runs the inferences of batch (batch[f] holds the model inputs
// of image f) as frames of the same device runs: each segment runs once for
// all of them, image f in frame f of its ports (docs/PARALLEL.md §7.1). A
// program of one frame per run (every non-pipelined program) takes one
// image; a pipelined one at most sim.Executable.Frames(). Every Result
// shares the runs' statistics (Stats).
func (m *Model) RunFramesOn(mach *sim.Machine, batch [][]*tensor.Tensor) ([]*Result, error) {
	if n, f := len(batch), m.Exe.Frames(); n < 1 || n > f {
		return nil, fmt.Errorf("runtime: %d images in one run; the program processes 1 to %d per run", n, f)
	}
	return m.runSegments(batch, func(seg int, imgs []*hostState) (*sim.RunStats, error) {
		return m.runSegment(mach, seg, imgs)
	})
}

// runSegments runs the inferences of batch: the host ops of every image
// between the device segments, each segment through run.
func (m *Model) runSegments(batch [][]*tensor.Tensor, run func(seg int, imgs []*hostState) (*sim.RunStats, error)) ([]*Result, error) {
	g := m.Host.Graph
	imgs := make([]*hostState, len(batch))
	for k, inputs := range batch {
		if len(inputs) != m.Host.GraphInputs {
			return nil, fmt.Errorf("runtime: the model has %d inputs, got %d tensors", m.Host.GraphInputs, len(inputs))
		}
		h := &hostState{env: map[*ir.Value]*tensor.Tensor{}, done: make([]bool, len(g.Nodes)), res: &Result{Ports: map[string]*tensor.Tensor{}, Host: sim.HostWork{Images: 1}}}
		for i, t := range inputs {
			h.env[g.Inputs[i]] = t
		}
		for _, v := range g.Consts {
			h.env[v] = v.Const
		}
		imgs[k] = h
	}
	var stats []*sim.RunStats
	for seg := 0; ; seg++ {
		for _, h := range imgs {
			if err := m.hostOps(h); err != nil {
				return nil, err
			}
		}
		if seg == len(m.Host.Segments) {
			break
		}
		st, err := run(seg, imgs)
		if err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	out := make([]*Result, len(imgs))
	for k, h := range imgs {
		for i := 0; i < m.Host.GraphOutputs; i++ {
			t := h.env[g.Outputs[i]]
			if t == nil {
				return nil, fmt.Errorf("runtime: output %d (%q) was not computed", i, g.Outputs[i].Name)
			}
			h.res.Outputs = append(h.res.Outputs, t)
		}
		h.res.Stats = stats
		out[k] = h.res
	}
	return out, nil
}

// hostState is the host side of one inference: the values computed so far,
// the host nodes done and the result being built.
type hostState struct {
	env  map[*ir.Value]*tensor.Tensor
	done []bool
	res  *Result
}

// hostOps evaluates every host node whose inputs are available, until none
// can progress (the next device segment needs to run).
func (m *Model) hostOps(h *hostState) error {
	for progress := true; progress; {
		progress = false
		for i, n := range m.Host.Graph.Nodes {
			if h.done[i] {
				continue
			}
			ins := make([]*tensor.Tensor, len(n.Inputs))
			ready := true
			for j, v := range n.Inputs {
				if v == nil {
					continue
				}
				if ins[j] = h.env[v]; ins[j] == nil {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			outs, err := interp.EvalNode(n, ins)
			if err != nil {
				return fmt.Errorf("runtime: host op %s: %w", n.Origin(), err)
			}
			for j, o := range n.Outputs {
				h.env[o] = outs[j]
			}
			countHostOp(&h.res.Host, n, ins, outs)
			h.done[i] = true
			progress = true
		}
	}
	return nil
}

// value is the host-graph value a port carries.
func (m *Model) value(port string) *ir.Value {
	return m.byName[m.Host.HostValueName(port, func(s string) bool { return m.byName[s] != nil })]
}

// runSegment runs device segment k once, image f of imgs in frame f.
func (m *Model) runSegment(mach *sim.Machine, k int, imgs []*hostState) (*sim.RunStats, error) {
	mach.Reset()
	if err := mach.SetFrames(len(imgs)); err != nil {
		return nil, fmt.Errorf("runtime: segment %d: %w", k, err)
	}
	if len(m.Host.Segments) > 1 {
		if err := mach.WriteInputRaw(backend.SegmentPort, []int64{int64(k)}); err != nil {
			return nil, err
		}
		imgs[0].res.Host.AddTransfer(m.codeBits[backend.SegmentPort]) // once per run
	}
	for f, h := range imgs {
		if err := m.writeSegmentInputs(mach, k, f, h); err != nil {
			return nil, err
		}
	}
	st, err := mach.Run()
	if err != nil {
		return nil, fmt.Errorf("runtime: segment %d: %w", k, err)
	}
	for f, h := range imgs {
		if err := m.readSegmentOutputs(mach, k, f, h); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// writeSegmentInputs writes the inputs of segment k of image h into frame
// f of mach's ports.
func (m *Model) writeSegmentInputs(mach *sim.Machine, k, f int, h *hostState) error {
	for _, name := range m.Host.Segments[k].In {
		v := m.value(name)
		t := h.env[v]
		if t == nil {
			return fmt.Errorf("runtime: segment %d: input %q is not available", k, name)
		}
		if !t.DType.IsInt() {
			return fmt.Errorf("runtime: segment %d: input %q is %s, want integer codes", k, name, t.DType)
		}
		q := make([]int64, t.Len())
		for i := range q {
			q[i] = t.Int64At(i)
		}
		if err := mach.WriteInputRawFrame(name, f, backend.ToPortOrder(v.Type.Shape, q)); err != nil {
			return fmt.Errorf("runtime: segment %d: %w", k, err)
		}
		h.res.Host.AddTransfer(int64(t.Len()) * m.codeBits[name])
	}
	return nil
}

// readSegmentOutputs reads the outputs of segment k of image h from frame
// f of mach's ports.
func (m *Model) readSegmentOutputs(mach *sim.Machine, k, f int, h *hostState) error {
	for _, name := range m.Host.Segments[k].Out {
		v := m.value(name)
		raw, err := mach.ReadOutputRawFrame(name, f)
		if err != nil {
			return err
		}
		t := tensor.FromI64(v.Type.DType, backend.FromPortOrder(v.Type.Shape, raw.I64), v.Type.Shape...)
		h.env[v] = t
		h.res.Ports[name] = t
		h.res.Host.AddTransfer(int64(t.Len()) * m.codeBits[name])
	}
	return nil
}
