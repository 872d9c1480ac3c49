package sim

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
)

// Frames of a pipelined program (docs/PARALLEL.md §7.1): one run processes
// n <= F = isa.Program.FrameCount() images, each port holds F frames back to
// back, and the host writes n into ABUF word isa.Program.CountAddr before
// the run. Programs of one frame (every non-pipelined program) have no count
// word and behave as before.

// Frames is the most frames one run of the machine's program processes.
func (e *Executable) Frames() int { return e.Prog.FrameCount() }

// frameAddr is the ABUF address of frame f of port p.
func (m *Machine) frameAddr(p *isa.Port, f int) (int, error) {
	if f < 0 || f >= m.exe.Frames() {
		return 0, fmt.Errorf("sim: port %q: frame %d outside the program's %d frame(s) per run", p.Name, f, m.exe.Frames())
	}
	return int(p.FrameAddr(f)), nil
}

// SetFrames sets the number of frames n (1 <= n <= Frames()) the next run
// processes: it writes n into the program's count word. Reset sets 1, so a
// run of a pipelined program without SetFrames processes frame 0 alone.
func (m *Machine) SetFrames(n int) error {
	if f := m.exe.Frames(); n < 1 || n > f {
		return fmt.Errorf("sim: %d frames: the program processes 1 to %d frames per run", n, f)
	}
	if m.exe.Frames() > 1 {
		a := int(m.exe.Prog.CountAddr)
		m.abuf[a] = int32(n)
		m.markDirty(a, 1)
	}
	m.frames = n
	return nil
}

// InferFrames resets the machine, writes frames[f] (the input tensors of
// image f, in input-port order, as Infer takes them) into frame f of the
// input ports, sets the frame count, runs once and reads every output port
// of every frame: one Result per frame (Stats nil) and the run's
// statistics (RunStats.Frames = len(frames)).
func (m *Machine) InferFrames(frames [][]*tensor.Tensor) ([]*Result, *RunStats, error) {
	if s := m.exe.sharedPorts; s != "" {
		return nil, nil, fmt.Errorf("sim: ports %s share buffer words: the program's device segments run one at a time with the host between them (run the compiled model, e.g. pimc sim without -raw)", s)
	}
	m.Reset()
	if err := m.SetFrames(len(frames)); err != nil {
		return nil, nil, err
	}
	ins := m.exe.Ports(isa.PortIn)
	for f, inputs := range frames {
		if len(inputs) != len(ins) {
			return nil, nil, fmt.Errorf("sim: program has %d input ports, got %d tensors", len(ins), len(inputs))
		}
		for i, p := range ins {
			if err := m.WriteInputFrame(p.Name, f, inputs[i]); err != nil {
				return nil, nil, err
			}
		}
	}
	st, err := m.Run()
	if err != nil {
		return nil, nil, err
	}
	res := make([]*Result, len(frames))
	for f := range frames {
		r := &Result{}
		for _, p := range m.exe.Ports(isa.PortOut) {
			raw, err := m.ReadOutputRawFrame(p.Name, f)
			if err != nil {
				return nil, nil, err
			}
			real, err := m.ReadOutputFrame(p.Name, f)
			if err != nil {
				return nil, nil, err
			}
			r.Names = append(r.Names, p.Name)
			r.Raw = append(r.Raw, raw)
			r.Real = append(r.Real, real)
		}
		res[f] = r
	}
	return res, st, nil
}

// frameRuns splits n images into runs of at most f frames: run k holds
// images [starts[k], starts[k+1]).
func frameRuns(n, f int) []int {
	var starts []int
	for i := 0; i < n; i += f {
		starts = append(starts, i)
	}
	return append(starts, n)
}

// WriteInputRawFrame writes raw integers (port order) into frame f of input
// port `name`.
func (m *Machine) WriteInputRawFrame(name string, f int, q []int64) error {
	p, err := m.exe.port(name, isa.PortIn)
	if err != nil {
		return err
	}
	return m.WriteInputFrame(name, f, tensor.FromI64(tensor.Int64, q, portShape(p)...))
}
