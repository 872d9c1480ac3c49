package ir

import (
	"fmt"
	"slices"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// This file holds the shape functions of the ops in op.go, InferNode and
// InferGraph. Every function checks what it reads (arity, attribute
// presence, ranks, ranges) and returns an error instead of panicking, so the
// verifier can run it on arbitrary, possibly broken graphs.

// InferNode checks n against its op's arity, runs the op's shape function and
// sets the type of every output. The error names the node.
func InferNode(n *Node) error {
	types, err := inferTypes(n)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Origin(), err)
	}
	for i, t := range types {
		if n.Outputs[i] != nil {
			n.Outputs[i].Type = t
		}
	}
	return nil
}

// InferTypes returns the output types n would get, without changing n. The
// verifier uses it to compare against the recorded types.
func InferTypes(n *Node) ([]Type, error) {
	types, err := inferTypes(n)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Origin(), err)
	}
	return types, nil
}

func inferTypes(n *Node) ([]Type, error) {
	info := Lookup(n.Op)
	if info == nil {
		return nil, fmt.Errorf("unknown op %q", n.Op)
	}
	if err := checkArity(n, info); err != nil {
		return nil, err
	}
	if info.Infer == nil {
		return nil, fmt.Errorf("op %q has no shape function", n.Op)
	}
	types, err := info.Infer(n)
	if err != nil {
		return nil, err
	}
	if len(types) != len(n.Outputs) {
		return nil, fmt.Errorf("shape function gives %d outputs, node has %d", len(types), len(n.Outputs))
	}
	for i, t := range types {
		if err := checkShapeSize(t.Shape); err != nil {
			return nil, fmt.Errorf("output %d: %v", i, err)
		}
	}
	return types, nil
}

// MaxElems bounds the element count of any value, so that shapes computed
// from (possibly hostile) constants can neither overflow int nor make a
// kernel try to allocate more memory than any machine has.
const MaxElems = 1 << 40

// checkShapeSize rejects negative dimensions and shapes beyond MaxElems.
func checkShapeSize(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %s has a negative dimension", tensor.ShapeString(shape))
		}
		if d > MaxElems || (d > 0 && n > MaxElems/d) {
			return fmt.Errorf("shape %s has more than 2^40 elements", tensor.ShapeString(shape))
		}
		n *= d
	}
	return nil
}

// InferGraph runs InferNode on every node in order (so each node sees the
// types its producers just got) and stops at the first error.
func InferGraph(g *Graph) error {
	for _, n := range g.Nodes {
		if err := InferNode(n); err != nil {
			return err
		}
	}
	return nil
}

func checkArity(n *Node, info *OpInfo) error {
	if len(n.Inputs) < info.MinInputs || (info.MaxInputs >= 0 && len(n.Inputs) > info.MaxInputs) {
		return fmt.Errorf("has %d inputs, want %s", len(n.Inputs), arityString(info.MinInputs, info.MaxInputs))
	}
	for i := 0; i < info.MinInputs; i++ {
		if n.Inputs[i] == nil {
			return fmt.Errorf("required input %d is absent", i)
		}
	}
	if len(n.Outputs) < info.MinOutputs || (info.MaxOutputs >= 0 && len(n.Outputs) > info.MaxOutputs) {
		return fmt.Errorf("has %d outputs, want %s", len(n.Outputs), arityString(info.MinOutputs, info.MaxOutputs))
	}
	for _, spec := range info.Attrs {
		a, ok := n.Attrs[spec.Name]
		if !ok {
			if spec.Required {
				return fmt.Errorf("missing attribute %q (%s)", spec.Name, spec.Kind)
			}
			continue
		}
		if a.Kind != spec.Kind {
			return fmt.Errorf("attribute %q: want %s, got %s", spec.Name, spec.Kind, a.Kind)
		}
	}
	return nil
}

func arityString(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// attachInfer hooks the shape functions into the op table; op.go's init
// calls it after registering the ops.
func attachInfer() {
	fns := map[Op]func(*Node) ([]Type, error){
		OpConv: inferConv, OpGemm: inferGemm, OpMatMul: inferMatMul, OpFC: inferFC,
		OpAdd: inferBinary, OpSub: inferBinary, OpMul: inferBinary, OpDiv: inferBinary,
		OpRelu: inferSame, OpLeakyRelu: inferSame, OpPRelu: inferPRelu, OpClip: inferSame,
		OpSigmoid: inferSameFloat, OpHardSigmoid: inferSameFloat, OpHardSwish: inferSameFloat,
		OpTanh: inferSameFloat, OpSoftmax: inferSoftmax, OpLogSoftmax: inferSoftmax,
		OpMaxPool: inferPool, OpAvgPool: inferPool,
		OpGlobalAvgPool: inferGlobalPool, OpGlobalMaxPool: inferGlobalPool,
		OpBatchNorm: inferBatchNorm, OpFlatten: inferFlatten, OpReshape: inferReshape,
		OpTranspose: inferTranspose, OpConcat: inferConcat, OpPad: inferPad,
		OpIdentity: inferSame, OpDropout: inferSame,
		OpSqueeze: inferSqueeze, OpUnsqueeze: inferUnsqueeze, OpShape: inferShape,
		OpGather: inferGather, OpConstantOfShape: inferConstantOfShape,
		OpSum: inferVariadic, OpMax: inferVariadic, OpMin: inferVariadic,
		OpSplit: inferSplit, OpReduceMean: inferReduceMean, OpLRN: inferLRN,
	}
	for op, fn := range fns {
		if info := opTable[op]; info != nil && info.Infer == nil {
			info.Infer = fn
		}
	}
}

// ---- helpers ----

// in returns the type of input i, which must be present.
func in(n *Node, i int) (Type, error) {
	v := n.Input(i)
	if v == nil {
		return Type{}, fmt.Errorf("input %d is absent", i)
	}
	return v.Type, nil
}

func one(t Type) []Type { return []Type{t} }

func typ(dt tensor.DType, shape []int) Type { return Type{DType: dt, Shape: shape} }

// normAxis maps axis from [-rank, rank) to [0, rank).
func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// checkAxis requires a normalized axis in [0, rank).
func checkAxis(what string, axis, rank int) error {
	if axis < 0 || axis >= rank {
		return fmt.Errorf("%s %d out of range [0, %d)", what, axis, rank)
	}
	return nil
}

func sameDType(a, b Type, what string) error {
	if a.DType != b.DType {
		return fmt.Errorf("%s has element type %s, want %s like input 0", what, b.DType, a.DType)
	}
	return nil
}

// BroadcastShapes returns the NumPy broadcast of two shapes (the same rule
// as the interpreter's kernels, tensor.BroadcastShape).
func BroadcastShapes(a, b []int) ([]int, error) { return tensor.BroadcastShape(a, b) }

// ---- element-wise ----

func inferSame(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	return one(x), nil
}

func inferSameFloat(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input has element type %s, want a float type", x.DType)
	}
	return one(x), nil
}

func inferBinary(n *Node) ([]Type, error) { return inferVariadic(n) }

func inferVariadic(n *Node) ([]Type, error) {
	t, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	shape := slices.Clone(t.Shape)
	for i := 1; i < len(n.Inputs); i++ {
		u, err := in(n, i)
		if err != nil {
			return nil, err
		}
		if err := sameDType(t, u, fmt.Sprintf("input %d", i)); err != nil {
			return nil, err
		}
		if shape, err = BroadcastShapes(shape, u.Shape); err != nil {
			return nil, err
		}
	}
	return one(typ(t.DType, shape)), nil
}

func inferPRelu(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	s, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	if err := sameDType(x, s, "slope"); err != nil {
		return nil, err
	}
	b, err := BroadcastShapes(x.Shape, s.Shape)
	if err != nil {
		return nil, err
	}
	if !tensor.SameShape(b, x.Shape) {
		return nil, fmt.Errorf("slope %s does not broadcast to x %s", tensor.ShapeString(s.Shape), tensor.ShapeString(x.Shape))
	}
	return one(x), nil
}

func inferSoftmax(n *Node) ([]Type, error) {
	x, err := inferSameFloat(n)
	if err != nil {
		return nil, err
	}
	if err := checkAxis("axis", int(n.Int("axis", -1)), len(x[0].Shape)); err != nil {
		return nil, err
	}
	return x, nil
}

func inferLRN(n *Node) ([]Type, error) {
	x, err := inferSameFloat(n)
	if err != nil {
		return nil, err
	}
	if len(x[0].Shape) < 3 {
		return nil, fmt.Errorf("input rank %d, want at least 3 (N, C, spatial...)", len(x[0].Shape))
	}
	if size := n.Int("size", 0); size < 1 {
		return nil, fmt.Errorf("attribute \"size\" is %d, want >= 1", size)
	}
	return x, nil
}

// ---- matrix ops ----

func inferGemm(n *Node) ([]Type, error) {
	a, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	b, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, fmt.Errorf("operands have ranks %d and %d, want 2 and 2", len(a.Shape), len(b.Shape))
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	m, k := a.Shape[0], a.Shape[1]
	if n.Int("trans_a", 0) != 0 {
		m, k = k, m
	}
	k2, nn := b.Shape[0], b.Shape[1]
	if n.Int("trans_b", 0) != 0 {
		k2, nn = nn, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("inner dimensions differ: A' is [%d,%d], B' is [%d,%d]", m, k, k2, nn)
	}
	out := []int{m, nn}
	if c := n.Input(2); c != nil {
		if err := sameDType(a, c.Type, "input 2"); err != nil {
			return nil, err
		}
		bc, err := BroadcastShapes(out, c.Type.Shape)
		if err != nil || !tensor.SameShape(bc, out) {
			return nil, fmt.Errorf("C %s does not broadcast to [%d,%d]", tensor.ShapeString(c.Type.Shape), m, nn)
		}
	}
	return one(typ(a.DType, out)), nil
}

func inferMatMul(n *Node) ([]Type, error) {
	a, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	b, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	if err := sameDType(a, b, "input 1"); err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, fmt.Errorf("matmul of a scalar")
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k := as[len(as)-2], as[len(as)-1]
	k2, nn := bs[len(bs)-2], bs[len(bs)-1]
	if k != k2 {
		return nil, fmt.Errorf("inner dimensions differ: %s x %s", tensor.ShapeString(a.Shape), tensor.ShapeString(b.Shape))
	}
	batch, err := BroadcastShapes(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, fmt.Errorf("batch dimensions: %w", err)
	}
	out := batch
	if len(a.Shape) > 1 {
		out = append(out, m)
	}
	if len(b.Shape) > 1 {
		out = append(out, nn)
	}
	return one(typ(a.DType, out)), nil
}

func inferFC(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	w, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) != 2 || len(w.Shape) != 2 {
		return nil, fmt.Errorf("x and w have ranks %d and %d, want 2 and 2", len(x.Shape), len(w.Shape))
	}
	if x.Shape[1] != w.Shape[1] {
		return nil, fmt.Errorf("x %s and w %s: K differs", tensor.ShapeString(x.Shape), tensor.ShapeString(w.Shape))
	}
	if b := n.Input(2); b != nil && !tensor.SameShape(b.Type.Shape, []int{w.Shape[0]}) {
		return nil, fmt.Errorf("bias %s, want [%d]", tensor.ShapeString(b.Type.Shape), w.Shape[0])
	}
	return one(typ(x.DType, []int{x.Shape[0], w.Shape[0]})), nil
}

// ---- convolution and pooling ----

// windowParams reads and checks strides, pads and dilations for nsp spatial axes.
func windowParams(n *Node, nsp int) (strides, pads, dil []int, err error) {
	strides = n.Ints("strides", nil)
	pads = n.Ints("pads", nil)
	dil = n.Ints("dilations", nil)
	if len(strides) != nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"strides\": want %d ints, got %d", nsp, len(strides))
	}
	if len(pads) != 2*nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"pads\": want %d ints, got %d", 2*nsp, len(pads))
	}
	if len(dil) != nsp {
		return nil, nil, nil, fmt.Errorf("attribute \"dilations\": want %d ints, got %d", nsp, len(dil))
	}
	for i := 0; i < nsp; i++ {
		if strides[i] < 1 || dil[i] < 1 {
			return nil, nil, nil, fmt.Errorf("strides %v and dilations %v must be >= 1", strides, dil)
		}
		if pads[i] < 0 || pads[i+nsp] < 0 {
			return nil, nil, nil, fmt.Errorf("pads %v must be >= 0", pads)
		}
	}
	return strides, pads, dil, nil
}

// WindowOutSize is the output length of a sliding window over in cells with
// the given padding, kernel, stride and dilation. With ceilMode the count
// rounds up, except that a last window starting inside the end padding is
// dropped (the rule of PyTorch and of the ONNX reference implementation).
func WindowOutSize(in, padBegin, padEnd, kernel, stride, dilation int, ceilMode bool) int {
	span := in + padBegin + padEnd - dilation*(kernel-1) - 1
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceilMode && span%stride != 0 {
		out++
		if (out-1)*stride >= in+padBegin {
			out--
		}
	}
	return out
}

func inferConv(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	w, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	if r != 3 && r != 4 {
		return nil, fmt.Errorf("input rank %d, want 3 (N,C,L) or 4 (N,C,H,W)", r)
	}
	if len(w.Shape) != r {
		return nil, fmt.Errorf("weight rank %d, want %d like the input", len(w.Shape), r)
	}
	if err := sameDType(x, w, "weight"); err != nil {
		return nil, err
	}
	group := int(n.Int("group", 1))
	if group < 1 {
		return nil, fmt.Errorf("group %d, want >= 1", group)
	}
	f, cg := w.Shape[0], w.Shape[1]
	if x.Shape[1] != cg*group {
		return nil, fmt.Errorf("input has %d channels, weight %s with group %d wants %d", x.Shape[1], tensor.ShapeString(w.Shape), group, cg*group)
	}
	if f%group != 0 {
		return nil, fmt.Errorf("%d filters not divisible by group %d", f, group)
	}
	if b := n.Input(2); b != nil {
		if !tensor.SameShape(b.Type.Shape, []int{f}) {
			return nil, fmt.Errorf("bias %s, want [%d]", tensor.ShapeString(b.Type.Shape), f)
		}
		if err := sameDType(x, b.Type, "bias"); err != nil {
			return nil, err
		}
	}
	out, err := convOutShape(n, x.Shape, w.Shape)
	if err != nil {
		return nil, err
	}
	return one(typ(x.DType, out)), nil
}

func inferPool(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	if r < 3 || r > 5 {
		return nil, fmt.Errorf("input rank %d, want 3 to 5 (N, C, 1 to 3 spatial axes)", r)
	}
	if n.Op == OpAvgPool && !x.DType.IsFloat() {
		return nil, fmt.Errorf("input has element type %s, want a float type", x.DType)
	}
	nsp := r - 2
	kernel := n.Ints("kernel", nil)
	if len(kernel) != nsp {
		return nil, fmt.Errorf("attribute \"kernel\": want %d ints, got %d", nsp, len(kernel))
	}
	strides, pads, dil, err := windowParams(n, nsp)
	if err != nil {
		return nil, err
	}
	ceil := n.Int("ceil_mode", 0) != 0
	out := []int{x.Shape[0], x.Shape[1]}
	for i := 0; i < nsp; i++ {
		if kernel[i] < 1 {
			return nil, fmt.Errorf("kernel %v must be >= 1", kernel)
		}
		// A window made only of padding has no defined value; like ONNX's
		// checker, pads must be smaller than the dilated kernel extent.
		if eff := (kernel[i]-1)*dil[i] + 1; pads[i] >= eff || pads[i+nsp] >= eff {
			return nil, fmt.Errorf("pads %v must be smaller than the (dilated) kernel %v", pads, kernel)
		}
		o := WindowOutSize(x.Shape[2+i], pads[i], pads[i+nsp], kernel[i], strides[i], dil[i], ceil)
		if o < 1 {
			return nil, fmt.Errorf("spatial axis %d: kernel %d (dilation %d) does not fit input %d with pads %v", i, kernel[i], dil[i], x.Shape[2+i], pads)
		}
		out = append(out, o)
	}
	return one(typ(x.DType, out)), nil
}

func inferGlobalPool(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, fmt.Errorf("input rank %d, want at least 3 (N, C, spatial...)", len(x.Shape))
	}
	if n.Op == OpGlobalAvgPool && !x.DType.IsFloat() {
		return nil, fmt.Errorf("input has element type %s, want a float type", x.DType)
	}
	out := []int{x.Shape[0], x.Shape[1]}
	for range x.Shape[2:] {
		out = append(out, 1)
	}
	return one(typ(x.DType, out)), nil
}

func inferBatchNorm(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input rank %d, want at least 2", len(x.Shape))
	}
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input has element type %s, want a float type", x.DType)
	}
	c := x.Shape[1]
	for i, name := range []string{"", "scale", "bias", "mean", "var"} {
		if i == 0 {
			continue
		}
		p, err := in(n, i)
		if err != nil {
			return nil, err
		}
		if !tensor.SameShape(p.Shape, []int{c}) {
			return nil, fmt.Errorf("%s %s, want [%d]", name, tensor.ShapeString(p.Shape), c)
		}
		if !p.DType.IsFloat() {
			return nil, fmt.Errorf("%s has element type %s, want a float type", name, p.DType)
		}
	}
	return one(x), nil
}

// ---- shape manipulation ----

func inferFlatten(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", 1))
	if axis < 0 || axis > len(x.Shape) {
		return nil, fmt.Errorf("axis %d out of range [0, %d]", axis, len(x.Shape))
	}
	return one(typ(x.DType, []int{tensor.NumElems(x.Shape[:axis]), tensor.NumElems(x.Shape[axis:])})), nil
}

func inferReshape(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	shape := n.Ints("shape", nil)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("shape %v: dimensions must be resolved (>= 0)", shape)
		}
	}
	if err := checkShapeSize(shape); err != nil {
		return nil, err
	}
	if tensor.NumElems(shape) != x.NumElems() {
		return nil, fmt.Errorf("cannot reshape %s (%d elements) to %s (%d elements)", tensor.ShapeString(x.Shape), x.NumElems(), tensor.ShapeString(shape), tensor.NumElems(shape))
	}
	return one(typ(x.DType, shape)), nil
}

// checkPerm reports whether perm is a permutation of 0..rank-1.
func checkPerm(perm []int, rank int) error {
	if len(perm) != rank {
		return fmt.Errorf("perm %v has %d entries, want %d", perm, len(perm), rank)
	}
	seen := make([]bool, rank)
	for _, p := range perm {
		if p < 0 || p >= rank || seen[p] {
			return fmt.Errorf("perm %v is not a permutation of 0..%d", perm, rank-1)
		}
		seen[p] = true
	}
	return nil
}

func inferTranspose(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	perm := n.Ints("perm", nil)
	if err := checkPerm(perm, len(x.Shape)); err != nil {
		return nil, err
	}
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = x.Shape[p]
	}
	return one(typ(x.DType, out)), nil
}

func inferConcat(n *Node) ([]Type, error) {
	t, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(t.Shape)); err != nil {
		return nil, err
	}
	out := slices.Clone(t.Shape)
	for i := 1; i < len(n.Inputs); i++ {
		u, err := in(n, i)
		if err != nil {
			return nil, err
		}
		if err := sameDType(t, u, fmt.Sprintf("input %d", i)); err != nil {
			return nil, err
		}
		if len(u.Shape) != len(t.Shape) {
			return nil, fmt.Errorf("input %d has rank %d, want %d", i, len(u.Shape), len(t.Shape))
		}
		for d := range u.Shape {
			if d != axis && u.Shape[d] != t.Shape[d] {
				return nil, fmt.Errorf("input %d %s differs from input 0 %s outside axis %d", i, tensor.ShapeString(u.Shape), tensor.ShapeString(t.Shape), axis)
			}
		}
		out[axis] += u.Shape[axis]
	}
	return one(typ(t.DType, out)), nil
}

func inferPad(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	pads := n.Ints("pads", nil)
	if len(pads) != 2*r {
		return nil, fmt.Errorf("attribute \"pads\": want %d ints, got %d", 2*r, len(pads))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = x.Shape[i] + pads[i] + pads[i+r]
		if out[i] < 0 {
			return nil, fmt.Errorf("pads %v make axis %d negative", pads, i)
		}
	}
	return one(typ(x.DType, out)), nil
}

// sortedAxes checks that axes are strictly increasing and inside [0, rank).
func sortedAxes(axes []int, rank int) error {
	for i, a := range axes {
		if a < 0 || a >= rank {
			return fmt.Errorf("axes %v: %d out of range [0, %d)", axes, a, rank)
		}
		if i > 0 && axes[i-1] >= a {
			return fmt.Errorf("axes %v must be sorted and unique", axes)
		}
	}
	return nil
}

func inferSqueeze(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axes := n.Ints("axes", nil)
	if err := sortedAxes(axes, len(x.Shape)); err != nil {
		return nil, err
	}
	var out []int
	for d, size := range x.Shape {
		if slices.Contains(axes, d) {
			if size != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", d, size)
			}
			continue
		}
		out = append(out, size)
	}
	return one(typ(x.DType, out)), nil
}

func inferUnsqueeze(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axes := n.Ints("axes", nil)
	r := len(x.Shape) + len(axes)
	if err := sortedAxes(axes, r); err != nil {
		return nil, err
	}
	out := make([]int, 0, r)
	j := 0
	for d := 0; d < r; d++ {
		if slices.Contains(axes, d) {
			out = append(out, 1)
		} else {
			out = append(out, x.Shape[j])
			j++
		}
	}
	return one(typ(x.DType, out)), nil
}

func inferShape(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	start, end := int(n.Int("start", 0)), int(n.Int("end", int64(r)))
	if start < 0 || start > r || end < 0 || end > r {
		return nil, fmt.Errorf("start %d and end %d must lie in [0, %d]", start, end, r)
	}
	return one(typ(tensor.Int64, []int{max(0, end-start)})), nil
}

func inferGather(n *Node) ([]Type, error) {
	d, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	idx, err := in(n, 1)
	if err != nil {
		return nil, err
	}
	if idx.DType != tensor.Int32 && idx.DType != tensor.Int64 {
		return nil, fmt.Errorf("indices have element type %s, want i32 or i64", idx.DType)
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(d.Shape)); err != nil {
		return nil, err
	}
	if c := n.Input(1).Const; c != nil && c.I64 != nil {
		size := int64(d.Shape[axis])
		for _, i := range c.I64 {
			if i < -size || i >= size {
				return nil, fmt.Errorf("index %d out of range for axis %d of size %d", i, axis, size)
			}
		}
	}
	out := slices.Clone(d.Shape[:axis])
	out = append(out, idx.Shape...)
	out = append(out, d.Shape[axis+1:]...)
	return one(typ(d.DType, out)), nil
}

func inferConstantOfShape(n *Node) ([]Type, error) {
	s, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(s.Shape) != 1 || s.DType != tensor.Int64 {
		return nil, fmt.Errorf("shape input is %s, want a 1-D i64 tensor", s)
	}
	c := n.Input(0).Const
	if c == nil {
		return nil, fmt.Errorf("shape input must be a constant (shapes are static)")
	}
	val := n.Attrs["value"].Tensor
	if val == nil || val.Len() != 1 {
		return nil, fmt.Errorf("attribute \"value\" must be a 1-element tensor")
	}
	shape := c.Ints()
	if err := checkShapeSize(shape); err != nil {
		return nil, err
	}
	return one(typ(val.DType, shape)), nil
}

func inferSplit(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", 0))
	if err := checkAxis("axis", axis, len(x.Shape)); err != nil {
		return nil, err
	}
	split := n.Ints("split", nil)
	if len(split) != len(n.Outputs) {
		return nil, fmt.Errorf("split %v has %d parts, node has %d outputs", split, len(split), len(n.Outputs))
	}
	total := 0
	for _, s := range split {
		if s < 0 {
			return nil, fmt.Errorf("split %v has a negative size", split)
		}
		total += s
	}
	if total != x.Shape[axis] {
		return nil, fmt.Errorf("split %v sums to %d, axis %d has size %d", split, total, axis, x.Shape[axis])
	}
	outs := make([]Type, len(split))
	for i, s := range split {
		shape := slices.Clone(x.Shape)
		shape[axis] = s
		outs[i] = typ(x.DType, shape)
	}
	return outs, nil
}

func inferReduceMean(n *Node) ([]Type, error) {
	x, err := in(n, 0)
	if err != nil {
		return nil, err
	}
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input has element type %s, want a float type", x.DType)
	}
	r := len(x.Shape)
	axes := n.Ints("axes", nil)
	if err := sortedAxes(axes, r); err != nil {
		return nil, err
	}
	keep := n.Int("keepdims", 1) != 0
	var out []int
	for d, size := range x.Shape {
		if len(axes) == 0 || slices.Contains(axes, d) {
			if keep {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, size)
	}
	return one(typ(x.DType, out)), nil
}

// convOutShape is the output shape [N, F, o...] of a convolution of an input
// of shape xs by weights of shape ws (ranks already checked equal), with the
// node's strides, pads and dilations; conv and qconv share it.
func convOutShape(n *Node, xs, ws []int) ([]int, error) {
	nsp := len(xs) - 2
	strides, pads, dil, err := windowParams(n, nsp)
	if err != nil {
		return nil, err
	}
	out := []int{xs[0], ws[0]}
	for i := 0; i < nsp; i++ {
		o := WindowOutSize(xs[2+i], pads[i], pads[i+nsp], ws[2+i], strides[i], dil[i], false)
		if o < 1 || ws[2+i] < 1 {
			return nil, fmt.Errorf("spatial axis %d: kernel %d (dilation %d) does not fit input %d with pads %v", i, ws[2+i], dil[i], xs[2+i], pads)
		}
		out = append(out, o)
	}
	return out, nil
}
