package backend

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// Options controls Compile.
type Options struct {
	// MaxHostBytes bounds the host section (the host graph as .pir text,
	// constants in full), which Compile builds in memory; 0: no bound.
	// pimc compile passes its -max-program-bytes.
	MaxHostBytes int64
	// Pipeline compiles the device segment as a layer pipeline across
	// images (pimc compile -pipeline, docs/PARALLEL.md §7.1, pipeline.go):
	// consecutive ops in stages, each on its own controller and stream,
	// activations between stages in token-ordered rings, up to Frames
	// images per run (0: DefaultFrames).
	Pipeline bool
	Frames   int
	// Split compiles a program of one image per run whose slowest layers
	// are split over the controllers (pimc compile -split, docs/BACKEND.md
	// §8 item 7): the balance of -pipeline with one stage and one frame, so
	// the pieces of a layer work at once and the latency of one image
	// falls. Pipeline takes precedence (it splits already).
	Split bool
	// Spread (with Pipeline or Split) lets the balance spread a slow
	// stage's layer one tile per sub-array, fewer filters per sub-array,
	// so each gbmac drives more sub-arrays and a pixel takes fewer
	// instructions, as far as the pipeline's speed needs
	// (mapping.Piece.Cap, docs/PARALLEL.md §8.2).
	Spread bool
	// Window (with Pipeline) chooses a window stage for a model whose
	// weights fit (window_choice.go, docs/PARALLEL.md §8.3): WindowOff
	// (0) never, WindowAuto where it shortens the estimated run on a full
	// chip with a DRAM, N > 0 the last N matrix layers.
	Window int
	// PieceReplicas (with Pipeline or Split) lets the balance give the
	// pixel pieces of a stationary layer more replicas than the mapping's
	// (opSplit.reps, docs/PARALLEL.md §8.11): one controller then drives
	// several copies, each round's group instruction covering all of them,
	// where a piece of one copy would leave its controller waiting for
	// the sub-arrays. pimc compile sets it when the map pass's replicate
	// option is auto (the default).
	PieceReplicas bool
	// rows, if set, is shared by the compiles of one program
	// (weight_rows.go); each compile makes its own otherwise.
	rows *weightRowCache
}

// Result is a compiled model: the device program (with the host graph in
// Prog.Host when the model has host ops or more than one segment is needed,
// see docs/BACKEND.md) and what the summary and tests report.
type Result struct {
	Prog   *isa.Program
	Layers []LayerStat
	// Subarrays is the number of sub-arrays holding weights, of Total.
	Subarrays, TotalSubarrays int
	WeightRows                int
	Segments                  int
	HostOps                   int
	// HostNodes are the HostOps nodes of the compiled graph (host ops
	// other than quantize and dequantize), in graph order.
	HostNodes []*ir.Node
	// PortValues maps every device port name to the value of the compiled
	// graph it carries (for verification against the interpreter).
	PortValues map[string]*ir.Value
	// Stages are the stages of a pipelined program (Options.Pipeline), in
	// order; nil otherwise. Slowest is the index of the slowest stage.
	Stages  []Stage
	Slowest int
	// Bands lists the layers computed in row bands through the DRAM
	// (banded mode, band.go), in program order; DRAMWords is the DRAM the
	// program's feature maps occupy. Both empty when the model fits.
	Bands     []BandStat
	DRAMWords int
	// Reprogram sums the layers whose weights are written from the DRAM
	// per image (reprogram.go); zero when every weight is stationary.
	Reprogram ReprogramStat
	// StagesLocal: every layer of a pipelined program sits in the bank
	// of the controller that drives it (no link hop; else the target
	// had no room to place them so, docs/BACKEND.md §8).
	StagesLocal bool
	// LinkNS is the estimated work per frame of the busiest bank link of a
	// pipelined program (links.go: controllers reaching sub-arrays of
	// other banks), LinkBank that bank; 0 and -1 when no link works.
	LinkNS   float64
	LinkBank int
	// BusyBound is the pixel-balance bound on sub-array busy of a
	// pipelined program's layers on its target (busybound.go); nil when
	// not pipelined or no layer has sub-array work.
	BusyBound *BusyBound
	// RunNS is the estimated time of a pipelined program's run of its
	// frames (estimatedRun): what the window choice compares.
	RunNS float64

	// devNodes are the device ops in program order and srcOf their source
	// index (what the pipeline's work estimate is attributed by).
	devNodes []*ir.Node
	srcOf    map[*ir.Node]int32
	// packed lists the matrix ops whose replicas run packed in one DPU
	// register (emit_matrix.go).
	packed map[*ir.Node]bool
}

// LayerStat describes how one matrix layer was mapped.
type LayerStat struct {
	Node, Op                   string
	OnnxOp                     string // the ONNX op it came from ("Resize": resize-lower's kernel)
	Filters, KeptFilters       int
	Cols, KeptCols             int // K summed over groups
	M, N                       int // weight and activation planes (M = 1 for binary weights, docs/BACKEND.md §2)
	Segments, Tiles, Subarrays int
	FirstSubarray              int
	WeightRows                 int
	Pixels                     int
	Replicas                   int // copies of the tiles, each computing a slice of the pixels
	// Reprogrammed: the weights are written from the DRAM each time the
	// layer runs (reprogram.go), in the window shared with the other
	// reprogrammed layers.
	Reprogrammed bool
	// Spread: the layer is laid out one tile of at most Spread filters
	// per sub-array (-spread, mapping.Layer.Spread); 0: dense.
	Spread int
	// WBits and ABits are the layer's declared widths: its weight codes'
	// bits and the bits of the activations it produces (quantize's
	// keep-ends, config, a compressed model's record and out-bits decide
	// them per layer; 0 when unknown).
	WBits, ABits int
}

type compiler struct {
	rows *weightRowCache // weight rows by filter (weight_rows.go)
	g    *ir.Graph
	tgt  *target.Target
	e    *emitter
	part *partition
	buf  abuf
	plan *mapping.Plan
	lay  map[*ir.Value]*layout
	// regVals lists the values living in each allocated buffer; lastUse is
	// the index in g.Nodes of a value's last reader in the current segment
	// (MaxInt for ports).
	regVals map[*region][]*ir.Value
	valRegs map[*ir.Value][]*region
	lastUse map[*ir.Value]int
	// seg is the device segment being emitted; the ports it declares get
	// it as isa.Port.Segment (AllSegments before the first segment: the
	// selector port). Ports of different segments may share buffer words.
	seg    int32
	padded map[*ir.Value]*layout
	names  map[*ir.Value]string
	used   map[string]bool
	consts map[string]int
	res    *Result
	uses   map[*ir.Value][]*ir.Node
	pipe   *pipePlan // nil: not pipelined
	// win is the frame loop of the window stage op being emitted (nil
	// elsewhere): a reprogrammed layer writes its weights on its first
	// frame only (window.go).
	win *winLoop
	// src is the source of the op being emitted; helpers the helper
	// streams of split layers, emitted after the stages (split.go).
	src     isa.Source
	helpers []helperStream
	// pf is the window stage's weight prefetch (window_prefetch.go; nil:
	// none).
	pf *prefetch
	// banded: feature maps that do not fit ABUF go to DRAM in bands
	// (band.go); dramTop is the next free DRAM word.
	banded  bool
	dramTop int
	// inBuf is the input-plane buffer a double-buffered matrix layer
	// is emitting (emit_dbuf.go): 0 the tiles' own rows, S > 0 the
	// second rows, S rows further. Every instruction that writes or
	// reads a tile's input rows takes them from inRowOf.
	inBuf int
}

// Compile emits a mapped graph for tgt: it does what the mapping
// attributes the map pass wrote say (the map pass is the one place that
// decides a mapping), and refuses a graph at any other stage. The result
// is deterministic: the same graph and target give the same program bytes.
func Compile(g *ir.Graph, tgt *target.Target, opts Options) (*Result, error) {
	if opts.Pipeline || opts.Split {
		res, err := compilePipeline(g, tgt, opts)
		if err != nil && errors.Is(err, errBufferFull) {
			// Only the program without -pipeline or -split moves feature
			// maps through the DRAM in bands (band.go): say what runs.
			return nil, fmt.Errorf("%w (-pipeline and -split keep every feature map in the activation buffer; compile without them, which bands feature maps through the DRAM, or use a target with a larger act_buffer_words)", err)
		}
		return res, err
	}
	// The plan is decoded once for both tries (the backend only reads
	// it; decoding ResNet-50's weights takes a tenth of its compile).
	plan, err := decodePlan(g, tgt)
	if err != nil {
		return nil, err
	}
	res, err := compileMode(g, tgt, opts, nil, false, plan)
	if err != nil && errors.Is(err, errBufferFull) && tgt.HasDRAM() {
		// Feature maps that do not fit: again, in bands through the DRAM
		// (band.go); a program that fits stays as it was.
		return compileMode(g, tgt, opts, nil, true, plan)
	}
	return res, err
}

// decodePlan reads the mapping of the mapped graph g for tgt.
func decodePlan(g *ir.Graph, tgt *target.Target) (*mapping.Plan, error) {
	if g.Stage != ir.StageMapped {
		return nil, fmt.Errorf("backend: graph is at stage %s, want mapped (run the map pass first: pimc compile and driver.Compile do)", g.Stage)
	}
	plan, err := mapping.DecodeGraph(g, mapping.GeometryOf(tgt))
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	return plan, nil
}

// compileWith compiles g, pipelined as pipe says when pipe is not nil.
func compileWith(g *ir.Graph, tgt *target.Target, opts Options, pipe *pipePlan) (*Result, error) {
	return compileMode(g, tgt, opts, pipe, false, nil)
}

// compileMode compiles g, pipelined as pipe says when pipe is not nil,
// with feature maps in bands through the DRAM when banded is set, from
// plan (nil: decoded from g; a pipeline places its pieces in it).
func compileMode(g *ir.Graph, tgt *target.Target, opts Options, pipe *pipePlan, banded bool, plan *mapping.Plan) (*Result, error) {
	if plan == nil {
		var err error
		if plan, err = decodePlan(g, tgt); err != nil {
			return nil, err
		}
	}
	if pipe != nil {
		if err := pipe.placePieces(plan, int(tgt.Controllers())); err != nil {
			return nil, fmt.Errorf("backend: -pipeline: %w", err)
		}
	}
	if err := plan.FitError(); err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	arch := tgt.Arch()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	c := &compiler{
		g: g, tgt: tgt, e: newEmitter(b, arch), part: partitionGraph(g),
		buf:     abuf{size: arch.ActBufferWords},
		regVals: map[*region][]*ir.Value{},
		valRegs: map[*ir.Value][]*region{},
		plan:    plan,
		padded:  map[*ir.Value]*layout{},
		names:   map[*ir.Value]string{}, used: map[string]bool{}, consts: map[string]int{},
		res:    &Result{TotalSubarrays: arch.Subarrays, srcOf: map[*ir.Node]int32{}, packed: map[*ir.Node]bool{}},
		uses:   g.Uses(),
		pipe:   pipe,
		banded: banded,
		rows:   opts.rows,
	}
	if c.rows == nil {
		c.rows = newWeightRowCache()
	}
	c.nameValues()
	if err := c.run(); err != nil {
		return nil, err
	}
	host, nhost, err := c.hostGraph(opts.MaxHostBytes)
	if err != nil {
		return nil, err
	}
	c.res.HostOps = nhost
	prog, err := b.Program()
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	prog.Host = host
	// The program describes itself: pimc sim runs it on this description
	// without being told the target (docs/ISA.md §6, section targetdesc).
	if err := target.Embed(prog, tgt); err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	if err := c.constFit(prog); err != nil {
		return nil, err
	}
	if err := isa.Validate(prog, arch); err != nil {
		return nil, fmt.Errorf("backend: BUG: the emitted program does not validate: %w", err)
	}
	c.res.Prog = prog
	c.res.DRAMWords = c.dramTop - c.res.Reprogram.DRAMWords
	c.res.Subarrays = plan.Used
	for _, l := range plan.Layers {
		if l.Reprogrammed {
			c.res.Reprogram.Window = l.FirstSubarray
			break
		}
	}
	c.res.StagesLocal = pipe != nil && pipe.allLocal
	for _, l := range plan.Layers {
		c.res.WeightRows += l.WeightRows()
	}
	c.res.Segments = c.part.nsegs
	c.res.PortValues = map[string]*ir.Value{}
	for k := range c.part.segIn {
		for _, v := range c.part.segIn[k] {
			c.res.PortValues[c.portIn(v, k)] = v
		}
		for _, v := range c.part.segOut[k] {
			c.res.PortValues[c.names[v]] = v
		}
	}
	return c.res, nil
}

// run emits the dispatch and every device segment.
func (c *compiler) run() error {
	e := c.e
	if c.pipe != nil {
		return c.runPipeline()
	}
	if c.part.nsegs == 0 {
		// Everything runs on the host (no integer op): an empty device
		// program, so the artifact is still one .pimb.
		e.emit(isa.OpHalt)
		return nil
	}
	segLabel := func(k int) string { return fmt.Sprintf("segment_%d", k) }
	if c.part.nsegs > 1 {
		// The host selects the segment by writing its index into the
		// "$segment" input port before each run.
		sel, err := c.alloc([]int{1}, nil, false)
		if err != nil {
			return err
		}
		e.b.AddPort(isa.Port{Name: SegmentPort, Dir: isa.PortIn, Addr: uint32(sel.base), Shape: []uint32{1}, Type: isa.MakeIntType(16, false), Scale: 1, Segment: isa.AllSegments})
		r, k := e.reg(), e.reg()
		e.emit(isa.OpLd, r, 0, int64(sel.base))
		for s := 1; s < c.part.nsegs; s++ {
			e.emit(isa.OpLi, k, int64(s))
			e.b.Branch(isa.OpBeq, segLabel(s), r, k)
		}
		e.free(r, k)
	}
	base := c.buf.top
	for k := 0; k < c.part.nsegs; k++ {
		e.b.Label(segLabel(k))
		e.vl = e.arch.DPULanes
		c.lay = map[*ir.Value]*layout{}
		c.padded = map[*ir.Value]*layout{}
		// Every segment starts after a reset: the whole buffer is zero
		// again and free but for the selector port below base. The host
		// has read the ports of earlier segments after their runs, so this
		// segment's buffers and ports reuse their words (the ports of one
		// segment stay disjoint: ports are never freed within a segment).
		c.buf = abuf{size: e.arch.ActBufferWords, top: base}
		c.seg = int32(k)
		c.regVals = map[*region][]*ir.Value{}
		c.valRegs = map[*ir.Value][]*region{}
		c.lastUse = map[*ir.Value]int{}
		for i, n := range c.g.Nodes {
			if onDevice(n) && (c.part.phase[n]-1)/2 == k {
				for _, v := range n.Inputs {
					c.lastUse[v] = i
				}
			}
		}
		// Ports are never freed within their segment: the host writes and
		// reads them around the run and the loader requires the ports of
		// one segment to be disjoint.
		for _, v := range c.part.segOut[k] {
			c.lastUse[v] = math.MaxInt
		}
		for _, v := range c.part.segIn[k] {
			c.lastUse[v] = math.MaxInt
		}
		for _, v := range c.part.segIn[k] {
			if err := c.inputPort(v, k); err != nil {
				return err
			}
		}
		for i, n := range c.g.Nodes {
			if !onDevice(n) || (c.part.phase[n]-1)/2 != k {
				continue
			}
			if err := c.emitNode(n, i); err != nil {
				return err
			}
		}
		e.b.ClearSource()
		for _, v := range c.part.segOut[k] {
			if err := c.outputPort(v); err != nil {
				return err
			}
		}
		e.emit(isa.OpHalt)
	}
	return nil
}

// emitNode emits device op n (index i in g.Nodes) under its own source and
// frees the buffers no later op reads.
func (c *compiler) emitNode(n *ir.Node, i int) error {
	out := ""
	if len(n.Outputs) > 0 {
		out = c.names[n.Outputs[0]]
	}
	layer := n.Name
	if layer == "" {
		layer = string(n.Op) + ":" + out
	}
	c.src = isa.Source{Layer: layer, Node: n.Name, Value: out}
	c.res.srcOf[n] = c.e.b.SetSource(c.src)
	c.res.devNodes = append(c.res.devNodes, n)
	if err := c.node(n); err != nil {
		return fmt.Errorf("backend: node %s (ONNX %s): %w", n.Origin(), n.OnnxOp, err)
	}
	c.release(n, i)
	return nil
}

// SegmentPort is the input port selecting the device segment to run in a
// program with several segments (docs/BACKEND.md).
const SegmentPort = "$segment"

// nameValues gives every value crossing the device boundary a unique port
// name: the graph input's name for a quantized input, else the value's
// name, else v<N>; a quantized graph input x is x_q. Graph outputs keep
// their ONNX names (claimed first), so users see the model's output names
// even when a dequantize output shares its name with the integer value it
// reads.
func (c *compiler) nameValues() {
	for _, v := range c.g.Inputs {
		c.used[v.Name] = true
	}
	for _, v := range c.g.Outputs {
		if v.Name != "" && !c.used[v.Name] && !strings.HasPrefix(v.Name, "$") {
			c.used[v.Name] = true
			c.names[v] = v.Name
		}
	}
	for _, n := range c.g.Nodes {
		for _, o := range n.Outputs {
			if _, done := c.names[o]; done {
				continue
			}
			name := o.Name
			if n.Op == ir.OpQuantize && n.Inputs[0].Def == nil && n.Inputs[0].Name != "" {
				name = n.Inputs[0].Name + "_q"
			}
			if name == "" || c.used[name] || strings.HasPrefix(name, "$") {
				for i := len(c.names); ; i++ {
					name = fmt.Sprintf("v%d", i)
					if !c.used[name] {
						break
					}
				}
			}
			c.used[name] = true
			c.names[o] = name
		}
	}
	for _, v := range c.g.Inputs {
		if _, ok := c.names[v]; !ok {
			c.names[v] = v.Name
		}
	}
}

// portType is the ISA type of a value's codes.
func portType(v *ir.Value) (isa.IntType, error) {
	q := v.Quant
	if q == nil || !v.Type.DType.IsInt() {
		return 0, fmt.Errorf("value %q is not integer codes", v.Name)
	}
	if q.Signed {
		if q.Bits < 2 || q.Bits > 32 {
			return 0, fmt.Errorf("value %q: %d signed bits", v.Name, q.Bits)
		}
		return isa.MakeIntType(q.Bits, true), nil
	}
	if q.Bits < 1 || q.Bits > 31 {
		return 0, fmt.Errorf("value %q: %d unsigned bits", v.Name, q.Bits)
	}
	return isa.MakeIntType(q.Bits, false), nil
}

func portScale(v *ir.Value) float64 {
	if v.Quant != nil && len(v.Quant.Scale) == 1 {
		return float64(v.Quant.Scale[0])
	}
	return 1
}

func u32s(s []int) []uint32 {
	out := make([]uint32, len(s))
	for i, d := range s {
		out[i] = uint32(d)
	}
	return out
}

// portIn is the name of the input port carrying v into segment k: the
// value's name, or name@k when v comes from an earlier device segment
// (whose output port already has the name; port names are unique).
func (c *compiler) portIn(v *ir.Value, k int) string {
	if v.Def != nil && onDevice(v.Def) || k != c.firstReader(v, k) {
		return fmt.Sprintf("%s@%d", c.names[v], k)
	}
	return c.names[v]
}

// firstReader is the first segment that reads the host value v (a graph
// input or a host op's result): its input port has v's name, the ports of
// later segments reading v too are "<name>@<segment>" (port names are
// unique; PP-OCRv4's recogniser feeds one host value to two segments).
// k when no segment lists v.
func (c *compiler) firstReader(v *ir.Value, k int) int {
	for j, ins := range c.part.segIn {
		for _, u := range ins {
			if u == v {
				return j
			}
		}
	}
	return k
}

func (c *compiler) inputPort(v *ir.Value, k int) error {
	t, err := portType(v)
	if err != nil {
		return fmt.Errorf("backend: device input: %w", err)
	}
	l, err := c.alloc(v.Type.Shape, nil, false)
	if err != nil {
		return fmt.Errorf("backend: input %q: %w", c.names[v], err)
	}
	c.setLay(v, l)
	c.e.b.AddPort(isa.Port{Name: c.portIn(v, k), Dir: isa.PortIn, Addr: uint32(l.base), Shape: u32s(portShape(v.Type.Shape)), Type: t, Scale: portScale(v), Segment: c.portSegment()})
	return nil
}

func (c *compiler) outputPort(v *ir.Value) error {
	t, err := portType(v)
	if err != nil {
		return fmt.Errorf("backend: device output: %w", err)
	}
	l := c.lay[v]
	if l == nil {
		return fmt.Errorf("backend: BUG: output %q has no layout", c.names[v])
	}
	if l.dram { // banded mode: a port is in ABUF
		if l, err = c.loadWhole(v, l); err != nil {
			return fmt.Errorf("backend: output %q: %w", c.names[v], err)
		}
	}
	if !l.isCanonical() {
		d, err := c.alloc(v.Type.Shape, nil, false)
		if err != nil {
			return fmt.Errorf("backend: output %q: %w", c.names[v], err)
		}
		if err := c.copyTo("output "+c.names[v], d, l); err != nil {
			return fmt.Errorf("backend: %w", err)
		}
		l = d
	}
	c.e.b.AddPort(isa.Port{Name: c.names[v], Dir: isa.PortOut, Addr: uint32(l.base), Shape: u32s(portShape(v.Type.Shape)), Type: t, Scale: portScale(v), Segment: c.portSegment()})
	return nil
}

// portSegment is the isa.Port.Segment of a port of the current segment: 0
// in a single-segment program (which so stays a file of the older formats).
func (c *compiler) portSegment() int32 {
	if c.part.nsegs <= 1 {
		return 0
	}
	return c.seg
}

// constName is a unique CMEM block name prefix for a node.
func (c *compiler) constName(n *ir.Node) string {
	base := n.Name
	if base == "" {
		base = string(n.Op)
	}
	var sb strings.Builder
	for i, r := range base {
		ok := r == '_' || r == '.' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if ok {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	name := sb.String()
	c.consts[name]++
	if k := c.consts[name]; k > 1 {
		name = fmt.Sprintf("%s$%d", name, k)
	}
	return name
}

// constFit reports constants (per-channel bias, multiplier and scale
// vectors) that overflow the target's constant memory, naming the largest
// users, instead of leaving it to the loader's check.
func (c *compiler) constFit(prog *isa.Program) error {
	words := 0
	for _, k := range prog.Consts {
		words += len(k.Data)
	}
	a := c.tgt.Arch()
	if words <= a.ConstWords {
		return nil
	}
	ks := slices.Clone(prog.Consts)
	slices.SortStableFunc(ks, func(x, y isa.ConstBlock) int { return len(y.Data) - len(x.Data) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "backend: the model needs %d constant-memory words (per-channel bias, multiplier and scale vectors), the target %q has %d; raise geometry.const_words", words, c.tgt.Name, a.ConstWords)
	for _, k := range ks[:min(len(ks), 5)] {
		fmt.Fprintf(&sb, "\n  %s: %d words", k.Name, len(k.Data))
	}
	return fmt.Errorf("%s", sb.String())
}
