package sim

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
)

// Ports returns the program's ports of direction dir, in program order.
func (e *Executable) Ports(dir isa.PortDir) []*isa.Port {
	var ps []*isa.Port
	for i := range e.Prog.Ports {
		if e.Prog.Ports[i].Dir == dir {
			ps = append(ps, &e.Prog.Ports[i])
		}
	}
	return ps
}

func (e *Executable) port(name string, dir isa.PortDir) (*isa.Port, error) {
	for i := range e.Prog.Ports {
		p := &e.Prog.Ports[i]
		if p.Name == name {
			if p.Dir != dir {
				return nil, fmt.Errorf("sim: port %q is an %s, not an %s", name, p.Dir, dir)
			}
			return p, nil
		}
	}
	var names []string
	for _, p := range e.Ports(dir) {
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("sim: program has no %s port %q (its %s ports: %q)", dir, name, dir, names)
}

// sharedPorts names the first two ports that share buffer words (Validate
// allows it only for ports of different segments), or "".
func sharedPorts(ports []isa.Port) string {
	for i := range ports {
		a := &ports[i]
		for j := range i {
			b := &ports[j]
			if uint64(a.Addr) < uint64(b.Addr)+b.Len() && uint64(b.Addr) < uint64(a.Addr)+a.Len() {
				return fmt.Sprintf("%q (segment %d) and %q (segment %d)", b.Name, b.Segment, a.Name, a.Segment)
			}
		}
	}
	return ""
}

func portShape(p *isa.Port) []int {
	s := make([]int, len(p.Shape))
	for i, d := range p.Shape {
		s[i] = int(d)
	}
	return s
}

// layoutIndex maps element i of the port (row-major in port order) to the
// element of a host tensor of shape `shape`: the identity when the shapes
// agree up to leading 1s, or the NHWC <- NCHW transpose when the port is
// rank 4 NHWC and the tensor its NCHW counterpart (ONNX's layout). ok is
// false if neither applies.
func layoutIndex(p *isa.Port, shape []int) (perm func(i int) int, ok bool) {
	ps := portShape(p)
	if tensor.NumElems(shape) != tensor.NumElems(ps) {
		return nil, false
	}
	if sameIgnoringOnes(ps, shape) {
		return func(i int) int { return i }, true
	}
	if len(ps) == 4 && len(shape) == 4 && ps[0] == shape[0] && ps[3] == shape[1] && ps[1] == shape[2] && ps[2] == shape[3] {
		h, w, c := ps[1], ps[2], ps[3]
		return func(i int) int {
			// i = ((n*H + y)*W + x)*C + ch  ->  ((n*C + ch)*H + y)*W + x
			ch := i % c
			x := i / c % w
			y := i / (c * w) % h
			n := i / (c * w * h)
			return ((n*c+ch)*h+y)*w + x
		}, true
	}
	return nil, false
}

// sameIgnoringOnes compares shapes after dropping every dimension of size 1.
func sameIgnoringOnes(a, b []int) bool {
	strip := func(s []int) []int {
		var o []int
		for _, d := range s {
			if d != 1 {
				o = append(o, d)
			}
		}
		return o
	}
	return tensor.SameShape(strip(a), strip(b))
}

// WriteInput writes a host tensor into input port `name`. A float tensor is
// quantized with the port's scale and zero point (q = round_half_even(real /
// scale) + zero_point, saturated to the port type, as ONNX QuantizeLinear;
// ±Inf saturate, NaN gives the zero point, as in the interpreter's
// quantization, docs/QUANT.md "NaN and infinities");
// an integer tensor is taken as the raw integers q and must lie in the port
// type's range. The tensor's shape must be the port's (NHWC), equal up to
// dimensions of size 1, or the NCHW form of a rank-4 NHWC port (transposed).
func (m *Machine) WriteInput(name string, t *tensor.Tensor) error {
	return m.WriteInputFrame(name, 0, t)
}

// WriteInputFrame writes a host tensor into frame f of input port `name`
// (isa.Program.Frames: a pipelined program's ports hold its frames back to
// back), as WriteInput does into frame 0.
func (m *Machine) WriteInputFrame(name string, f int, t *tensor.Tensor) error {
	p, err := m.exe.port(name, isa.PortIn)
	if err != nil {
		return err
	}
	base, err := m.frameAddr(p, f)
	if err != nil {
		return err
	}
	perm, ok := layoutIndex(p, t.Shape)
	if !ok {
		return fmt.Errorf("sim: input %q: tensor shape %v does not match the port shape %v (NHWC; NCHW accepted for rank 4)", name, t.Shape, p.Shape)
	}
	n := int(p.Len())
	lo, hi := p.Type.Range()
	dst := m.abuf[base : base+n]
	if t.DType.IsFloat() {
		for i := range dst {
			v := t.Float64At(perm(i))
			q := math.RoundToEven(v/p.Scale) + float64(p.ZeroPoint)
			if math.IsNaN(q) {
				q = float64(p.ZeroPoint)
			}
			dst[i] = int32(min(max(q, float64(lo)), float64(hi)))
		}
	} else {
		for i := range dst {
			q := t.Int64At(perm(i))
			if q < lo || q > hi {
				return fmt.Errorf("sim: input %q: raw element %d = %d outside the port type %v range [%d, %d]", name, perm(i), q, p.Type, lo, hi)
			}
			dst[i] = int32(q)
		}
	}
	m.markDirty(base, n)
	return nil
}

// WriteInputRaw writes raw integers (port order) into input port `name`.
func (m *Machine) WriteInputRaw(name string, q []int64) error {
	p, err := m.exe.port(name, isa.PortIn)
	if err != nil {
		return err
	}
	return m.WriteInput(name, tensor.FromI64(tensor.Int64, q, portShape(p)...))
}

func (m *Machine) markDirty(a, n int) {
	if n > 0 {
		m.dirtyLo = min(m.dirtyLo, a)
		m.dirtyHi = max(m.dirtyHi, a+n)
	}
}

// ReadOutputRaw returns the raw integers of output port `name` as an Int64
// tensor of the port's shape (NHWC).
func (m *Machine) ReadOutputRaw(name string) (*tensor.Tensor, error) {
	return m.ReadOutputRawFrame(name, 0)
}

// ReadOutputRawFrame is ReadOutputRaw of frame f of the port.
func (m *Machine) ReadOutputRawFrame(name string, f int) (*tensor.Tensor, error) {
	p, err := m.exe.port(name, isa.PortOut)
	if err != nil {
		return nil, err
	}
	base, err := m.frameAddr(p, f)
	if err != nil {
		return nil, err
	}
	n := int(p.Len())
	out := make([]int64, n)
	for i, v := range m.abuf[base : base+n] {
		out[i] = int64(v)
	}
	return tensor.FromI64(tensor.Int64, out, portShape(p)...), nil
}

// ReadOutput returns output port `name` dequantized, real = scale * (q -
// zero_point), as a Float32 tensor of the port's shape (NHWC).
func (m *Machine) ReadOutput(name string) (*tensor.Tensor, error) {
	return m.ReadOutputFrame(name, 0)
}

// ReadOutputFrame is ReadOutput of frame f of the port.
func (m *Machine) ReadOutputFrame(name string, f int) (*tensor.Tensor, error) {
	raw, err := m.ReadOutputRawFrame(name, f)
	if err != nil {
		return nil, err
	}
	p, _ := m.exe.port(name, isa.PortOut)
	out := make([]float32, len(raw.I64))
	for i, q := range raw.I64 {
		out[i] = float32(p.Scale * float64(q-int64(p.ZeroPoint)))
	}
	return tensor.FromF32(out, portShape(p)...), nil
}

// NHWCToNCHW returns the NCHW transpose of a rank-4 NHWC tensor (ONNX's
// layout for image outputs); other ranks are returned unchanged.
func NHWCToNCHW(t *tensor.Tensor) *tensor.Tensor {
	if t.Rank() != 4 {
		return t
	}
	n, h, w, c := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
	o := tensor.New(t.DType, n, c, h, w)
	for i := 0; i < t.Len(); i++ {
		ch, x, y, b := i%c, i/c%w, i/(c*w)%h, i/(c*w*h)
		j := ((b*c+ch)*h+y)*w + x
		if t.F32 != nil {
			o.F32[j] = t.F32[i]
		} else if t.F64 != nil {
			o.F64[j] = t.F64[i]
		} else {
			o.I64[j] = t.I64[i]
		}
	}
	return o
}
