package backend

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// The host section (docs/BACKEND.md §5) of a compiled model is text:
//
//	pimc-host 1
//	graph-inputs 1
//	graph-outputs 1
//	segment 0 in "Input3" out "Plus214_Output_0"
//	pir
//	<the host graph in .pir text>
//
// The host graph holds the host ops (quantize, dequantize, float ops) with
// the original graph inputs first, then every device output port as a graph
// input; its outputs are the original graph outputs, then every device input
// port the host produces. Port names are value names in the host graph,
// except that a value passed from one device segment to a later one enters
// it through the port "<name>@<segment>" (HostValueName strips the suffix).
// A runtime evaluates host nodes as soon as their inputs exist and runs
// segment k when its input ports are all known, in segment order.

// HostManifest is the parsed host section.
type HostManifest struct {
	Graph        *ir.Graph
	GraphInputs  int // the first GraphInputs inputs of Graph are the model's
	GraphOutputs int // the first GraphOutputs outputs of Graph are the model's
	Segments     []HostSegment
}

// HostSegment names the ports of one device segment.
type HostSegment struct {
	In, Out []string
}

// hostGraph builds the host section, refusing one of more than max bytes
// (0: no bound) as soon as it gets there; it returns the number of host ops
// other than quantize/dequantize.
func (c *compiler) hostGraph(max int64) ([]byte, int, error) {
	hg := &ir.Graph{Name: c.g.Name, Stage: ir.StageQuantized, Producer: c.g.Producer, Opset: c.g.Opset}
	nv := map[*ir.Value]*ir.Value{}
	val := func(v *ir.Value) *ir.Value {
		if v == nil {
			return nil
		}
		if w, ok := nv[v]; ok {
			return w
		}
		w := &ir.Value{Name: v.Name, Type: v.Type, Const: v.Const, Quant: v.Quant, DynamicBatch: v.DynamicBatch}
		if nm, ok := c.names[v]; ok {
			w.Name = nm
		}
		nv[v] = w
		if v.IsConst() {
			hg.Consts = append(hg.Consts, w)
		}
		return w
	}
	for _, v := range c.g.Inputs {
		hg.Inputs = append(hg.Inputs, val(v))
	}
	inSet := map[*ir.Value]bool{}
	for _, v := range c.g.Inputs {
		inSet[v] = true
	}
	for _, outs := range c.part.segOut {
		for _, v := range outs {
			if !inSet[v] {
				inSet[v] = true
				hg.Inputs = append(hg.Inputs, val(v))
			}
		}
	}
	nhost := 0
	for _, n := range c.g.Nodes {
		if onDevice(n) {
			continue
		}
		if !boundaryOp(n) {
			nhost++
			c.res.HostNodes = append(c.res.HostNodes, n)
		}
		hn := &ir.Node{Op: n.Op, Attrs: n.Attrs, Name: n.Name, OnnxOp: n.OnnxOp}
		for _, in := range n.Inputs {
			hn.Inputs = append(hn.Inputs, val(in))
		}
		for _, o := range n.Outputs {
			w := val(o)
			w.Def = hn
			hn.Outputs = append(hn.Outputs, w)
		}
		hg.Nodes = append(hg.Nodes, hn)
	}
	for _, v := range c.g.Outputs {
		hg.Outputs = append(hg.Outputs, val(v))
	}
	outSet := map[*ir.Value]bool{}
	for _, ins := range c.part.segIn {
		for _, v := range ins {
			if (v.Def == nil || !onDevice(v.Def)) && !outSet[v] {
				outSet[v] = true
				hg.Outputs = append(hg.Outputs, val(v))
			}
		}
	}
	if err := ir.Verify(hg); err != nil {
		return nil, 0, fmt.Errorf("backend: BUG: host graph: %w", err)
	}
	b := cappedBuffer{max: max}
	fmt.Fprintf(&b, "pimc-host 1\ngraph-inputs %d\ngraph-outputs %d\n", len(c.g.Inputs), len(c.g.Outputs))
	for k := range c.part.segIn {
		fmt.Fprintf(&b, "segment %d in", k)
		for _, v := range c.part.segIn[k] {
			fmt.Fprintf(&b, " %q", c.portIn(v, k))
		}
		b.WriteString(" out")
		for _, v := range c.part.segOut[k] {
			fmt.Fprintf(&b, " %q", c.names[v])
		}
		b.WriteString("\n")
	}
	b.WriteString("pir\n")
	if err := ir.Print(&b, hg, ir.PrintOptions{}); err != nil {
		return nil, 0, fmt.Errorf("backend: host graph: %w", err)
	}
	return b.Bytes(), nhost, nil
}

// cappedBuffer is a bytes.Buffer that refuses to grow beyond max bytes
// (0: no bound).
type cappedBuffer struct {
	bytes.Buffer
	max int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.max > 0 && int64(b.Len())+int64(len(p)) > b.max {
		return 0, fmt.Errorf("the host section (the host graph's ops and constants as text) passes %s, the limit for a program (-max-program-bytes)", ir.FormatBytes(b.max))
	}
	return b.Buffer.Write(p)
}

func (b *cappedBuffer) WriteString(s string) (int, error) { return b.Write([]byte(s)) }

// HostValueName is the host-graph value carried by a port: the port name,
// or for "<name>@<segment>" ports, name (when the full name is not a value).
func (h *HostManifest) HostValueName(port string, isValue func(string) bool) string {
	if isValue(port) {
		return port
	}
	if i := strings.LastIndexByte(port, '@'); i > 0 {
		return port[:i]
	}
	return port
}

// ParseHost reads a host section.
func ParseHost(data []byte) (*HostManifest, error) {
	i := bytes.Index(data, []byte("\npir\n"))
	if i < 0 {
		return nil, fmt.Errorf("host section: no \"pir\" line")
	}
	h := &HostManifest{}
	sc := bufio.NewScanner(bytes.NewReader(data[:i]))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		bad := func() error { return fmt.Errorf("host section line %d: malformed %q", line, sc.Text()) }
		switch {
		case line == 1:
			if len(f) != 2 || f[0] != "pimc-host" || f[1] != "1" {
				return nil, fmt.Errorf("host section: header %q, want \"pimc-host 1\"", sc.Text())
			}
		case len(f) == 2 && f[0] == "graph-inputs":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, bad()
			}
			h.GraphInputs = n
		case len(f) == 2 && f[0] == "graph-outputs":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, bad()
			}
			h.GraphOutputs = n
		case len(f) >= 4 && f[0] == "segment":
			k, err := strconv.Atoi(f[1])
			if err != nil || k != len(h.Segments) || f[2] != "in" {
				return nil, bad()
			}
			var seg HostSegment
			dst := &seg.In
			for _, s := range f[3:] {
				if s == "out" {
					dst = &seg.Out
					continue
				}
				name, err := strconv.Unquote(s)
				if err != nil {
					return nil, bad()
				}
				*dst = append(*dst, name)
			}
			h.Segments = append(h.Segments, seg)
		default:
			return nil, bad()
		}
	}
	g, err := ir.Parse("host section", data[i+5:])
	if err != nil {
		return nil, err
	}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("host section: %w", err)
	}
	if h.GraphInputs > len(g.Inputs) || h.GraphOutputs > len(g.Outputs) {
		return nil, fmt.Errorf("host section: %d/%d model inputs/outputs, the host graph has %d/%d", h.GraphInputs, h.GraphOutputs, len(g.Inputs), len(g.Outputs))
	}
	h.Graph = g
	return h, nil
}

// boundaryOp reports whether host op n only converts between floats and
// device codes: quantize, dequantize, and an imported model's own
// quantize_linear/dequantize_linear kept for their zero point (their codes
// carry QuantParams; passes/quantize_qlinear.go). The others are the
// model's host ops, counted and costed as such.
func boundaryOp(n *ir.Node) bool {
	switch n.Op {
	case ir.OpQuantize, ir.OpDequantize:
		return true
	case ir.OpQuantizeLinear:
		return n.Outputs[0].Quant != nil
	case ir.OpDequantizeLinear:
		return n.Inputs[0] != nil && n.Inputs[0].Quant != nil
	}
	return false
}
