package interp

import (
	"fmt"
	"runtime/debug"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Run executes g on inputs (one per g.Inputs, in order, each matching the
// input's declared type) and returns one tensor per g.Outputs. Nodes run in
// graph order; a value's buffer is recycled for later nodes as soon as its
// last reader has run. The returned tensors never share memory with the
// inputs, the graph's constants or each other.
func Run(g *ir.Graph, inputs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	return run(g, inputs, nil)
}

// run is Run; with a batch plan the batched values (inputs included) hold
// plan.k times their declared batch on axis 0.
func run(g *ir.Graph, inputs []*tensor.Tensor, plan *batchPlan) ([]*tensor.Tensor, error) {
	if len(inputs) != len(g.Inputs) {
		return nil, fmt.Errorf("interp: graph %q has %d inputs, got %d tensors", g.Name, len(g.Inputs), len(inputs))
	}
	r := &runner{
		env:  make(map[*ir.Value]*tensor.Tensor, len(g.Nodes)+len(g.Inputs)+len(g.Consts)),
		left: make(map[*ir.Value]int, len(g.Nodes)+len(g.Inputs)+len(g.Consts)),
		ctx:  &Ctx{pool: getBufPool(), batch: plan},
	}
	defer putBufPool(r.ctx.pool)
	if err := r.ctx.checkGraphSize(g); err != nil {
		return nil, err
	}
	for i, v := range g.Inputs {
		t := inputs[i]
		if t == nil {
			return nil, fmt.Errorf("interp: input %d (%q): missing tensor", i, v.Name)
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("interp: input %d (%q): %w", i, v.Name, err)
		}
		if err := r.ctx.checkType(v, t); err != nil {
			return nil, fmt.Errorf("interp: input %d (%q): %w", i, v.Name, err)
		}
		if key := t.StorageKey(); key != nil {
			r.ctx.pool.disown(key) // a caller's tensor is never recycled
		}
		r.env[v] = t
	}
	for _, v := range g.Consts {
		if v.Const != nil {
			r.env[v] = v.Const
		}
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil {
				r.left[in]++
			}
		}
	}
	for _, v := range g.Outputs {
		r.left[v]++ // outputs are never recycled
	}
	for i, n := range g.Nodes {
		if err := r.step(i, n); err != nil {
			return nil, err
		}
	}
	outs := make([]*tensor.Tensor, len(g.Outputs))
	seen := map[any]bool{}
	for i, v := range g.Outputs {
		t, err := r.lookup(v)
		if err != nil {
			return nil, fmt.Errorf("interp: output %d (%q): %w", i, v.Name, err)
		}
		// Copy outputs that alias an input, a constant or another output.
		key := t.StorageKey()
		if key != nil && (!r.ctx.pool.owns(key) || seen[key]) {
			t = t.Clone()
		} else if key != nil {
			seen[key] = true
		}
		outs[i] = t
	}
	// The outputs now belong to the caller: the pool forgets them, so a
	// later Run that gets them back as inputs never recycles them.
	for key := range seen {
		r.ctx.pool.disown(key)
	}
	return outs, nil
}

// runner is the state of one Run.
type runner struct {
	env  map[*ir.Value]*tensor.Tensor
	left map[*ir.Value]int // readers still to run (+1 for graph outputs)
	ctx  *Ctx
	refs map[any]int // live values per pooled buffer
	// donBuf is reused for the donated inputs of each node, insBuf for
	// the inputs.
	donBuf, insBuf []*tensor.Tensor
}

func (r *runner) lookup(v *ir.Value) (*tensor.Tensor, error) {
	if t, ok := r.env[v]; ok {
		return t, nil
	}
	if v.Const != nil {
		return v.Const, nil
	}
	return nil, fmt.Errorf("value %q is used before it is defined", v.Name)
}

// step runs node n (index i) and recycles the buffers of values it read for
// the last time.
func (r *runner) step(i int, n *ir.Node) error {
	// The input slice is reused from node to node: kernels do not keep it,
	// and the outputs (which may share it) are stored before the next step.
	ins := r.insBuf[:0]
	for range n.Inputs {
		ins = append(ins, nil)
	}
	r.insBuf = ins
	for j, v := range n.Inputs {
		if v == nil {
			continue
		}
		t, err := r.lookup(v)
		if err != nil {
			return nodeErr(i, n, fmt.Errorf("input %d: %w", j, err))
		}
		ins[j] = t
	}
	if r.refs == nil {
		r.refs = map[any]int{}
	}
	r.ctx.donated = r.donations(n, ins)
	outs, err := evalNode(r.ctx, n, ins)
	r.ctx.donated = nil
	if err != nil {
		return nodeErr(i, n, err)
	}
	for j, v := range n.Outputs {
		if v == nil {
			continue
		}
		r.env[v] = outs[j]
		if key := outs[j].StorageKey(); key != nil && r.ctx.pool.owns(key) {
			r.refs[key]++
		}
		if r.left[v] == 0 {
			r.release(v) // an unused output (e.g. an unread split part)
		}
	}
	for _, v := range n.Inputs {
		if v == nil {
			continue
		}
		r.left[v]--
		if r.left[v] == 0 {
			r.release(v)
		}
	}
	return nil
}

// donations returns the input tensors node n may overwrite: values read
// for the last time here (once), whose pooled buffer no other live value
// shares. Element-wise kernels then write their result in place.
func (r *runner) donations(n *ir.Node, ins []*tensor.Tensor) []*tensor.Tensor {
	d := r.donBuf[:0]
	for j, v := range n.Inputs {
		if v == nil || r.left[v] != 1 {
			continue
		}
		key := ins[j].StorageKey()
		if key == nil || !r.ctx.pool.owns(key) || r.refs[key] != 1 {
			continue
		}
		d = append(d, ins[j])
	}
	r.donBuf = d
	return d
}

// release drops value v; its buffer goes back to the pool once no live value
// (v or a view of it) uses it.
func (r *runner) release(v *ir.Value) {
	t, ok := r.env[v]
	if !ok || v.Def == nil && v.Const != nil {
		return
	}
	delete(r.env, v)
	key := t.StorageKey()
	if key == nil || !r.ctx.pool.owns(key) {
		return
	}
	r.refs[key]--
	if r.refs[key] == 0 {
		delete(r.refs, key)
		r.ctx.pool.put(t)
	}
}

// EvalNode runs a single node on the given inputs (one per n.Inputs, nil
// for an absent optional input) and returns its outputs. Inputs must match
// the declared types of n's input values when those are set; the output
// shapes are computed from the inputs, and checked against n's output types
// when those are set. Constant folding uses it, so the results are freshly
// allocated and never alias the inputs.
func EvalNode(n *ir.Node, inputs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(inputs) != len(n.Inputs) {
		return nil, nodeErr(-1, n, fmt.Errorf("node has %d inputs, got %d tensors", len(n.Inputs), len(inputs)))
	}
	for j, t := range inputs {
		if t == nil {
			continue
		}
		if err := t.Validate(); err != nil {
			return nil, nodeErr(-1, n, fmt.Errorf("input %d: %w", j, err))
		}
	}
	outs, err := evalNode(&Ctx{}, n, inputs)
	if err != nil {
		return nil, nodeErr(-1, n, err)
	}
	for j, t := range outs {
		if key := t.StorageKey(); key != nil {
			for _, in := range inputs {
				if in != nil && in.StorageKey() == key {
					outs[j] = t.Clone()
					break
				}
			}
		}
	}
	return outs, nil
}

// evalNode checks the inputs against the graph's types, runs the kernel
// (turning a panic into an error, since the interpreter must survive any
// graph) and checks the outputs.
func evalNode(c *Ctx, n *ir.Node, ins []*tensor.Tensor) (outs []*tensor.Tensor, err error) {
	info := ir.Lookup(n.Op)
	if info == nil {
		return nil, fmt.Errorf("unknown op %q", n.Op)
	}
	k := kernels[n.Op]
	if k == nil {
		return nil, fmt.Errorf("op %q has no interpreter kernel", n.Op)
	}
	if len(ins) < info.MinInputs || (info.MaxInputs >= 0 && len(ins) > info.MaxInputs) {
		return nil, fmt.Errorf("has %d inputs, op %q takes %s", len(ins), n.Op, ir.ArityText(info.MinInputs, info.MaxInputs))
	}
	for j := 0; j < info.MinInputs; j++ {
		if ins[j] == nil {
			return nil, fmt.Errorf("input %d is required", j)
		}
	}
	for j, t := range ins {
		if t == nil {
			continue
		}
		if v := n.Input(j); v != nil {
			if err := c.checkType(v, t); err != nil {
				return nil, fmt.Errorf("input %d: %w", j, err)
			}
		}
	}
	// Refuse, rather than allocate, an output above the per-value limit
	// (its type in this run: a batched run scales axis 0).
	for j, v := range n.Outputs {
		if v != nil && v.Type.DType != tensor.Invalid {
			what := "output"
			if len(n.Outputs) > 1 {
				what = fmt.Sprintf("output %d", j)
			}
			if err := ir.CheckValueSize(what, c.declared(v)); err != nil {
				return nil, err
			}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("BUG: kernel panicked: %v\n%s", p, debug.Stack())
		}
	}()
	outs, err = k(c, n, ins)
	if err != nil {
		return nil, err
	}
	if len(outs) != len(n.Outputs) {
		return nil, fmt.Errorf("kernel produced %d outputs, node has %d", len(outs), len(n.Outputs))
	}
	for j, t := range outs {
		if t == nil {
			return nil, fmt.Errorf("BUG: kernel produced no tensor for output %d", j)
		}
		if v := n.Outputs[j]; v != nil && v.Type.DType != tensor.Invalid && !typeMatches(c.declared(v), t) {
			return nil, fmt.Errorf("output %d: computed %v, graph declares %v", j, t, c.declared(v))
		}
	}
	return outs, nil
}

// checkGraphSize applies ir.Limits to the values of g as this run holds
// them (batched values scaled, see declared), before anything is allocated:
// their sum bounds what a run can hold at once.
func (c *Ctx) checkGraphSize(g *ir.Graph) error {
	var total ir.SizeTotal
	check := func(what string, v *ir.Value) error {
		ty := c.declared(v)
		if err := ir.CheckValueSize(what, ty); err != nil {
			return err
		}
		return total.Add(what, ty)
	}
	for i, v := range g.Inputs {
		if v == nil {
			continue
		}
		if err := check(fmt.Sprintf("input %d (%q):", i, v.Name), v); err != nil {
			return fmt.Errorf("interp: %w", err)
		}
	}
	for _, v := range g.Consts {
		if v == nil {
			continue
		}
		if err := check(fmt.Sprintf("constant %q:", v.Name), v); err != nil {
			return fmt.Errorf("interp: %w", err)
		}
	}
	for i, n := range g.Nodes {
		if n == nil {
			continue
		}
		for _, v := range n.Outputs {
			if v == nil {
				continue
			}
			if err := check("output", v); err != nil {
				return nodeErr(i, n, err)
			}
		}
	}
	return nil
}

// checkType compares a runtime tensor with the declared type of its value
// (skipped for values without a type yet).
func checkType(v *ir.Value, t *tensor.Tensor) error {
	return (*Ctx)(nil).checkType(v, t)
}

// checkType is checkType against the type v has in this run (see declared).
func (c *Ctx) checkType(v *ir.Value, t *tensor.Tensor) error {
	if v.Type.DType == tensor.Invalid {
		return nil
	}
	if ty := c.declared(v); !typeMatches(ty, t) {
		return fmt.Errorf("want %v, got %v", ty, t)
	}
	return nil
}

// declared is the type value v has in this run: its declared type, with
// axis 0 scaled for a batched value of a batched run.
func (c *Ctx) declared(v *ir.Value) ir.Type {
	if c != nil && c.batch != nil {
		if ty, ok := c.batch.types[v]; ok {
			return ty
		}
	}
	return v.Type
}

func typeMatches(ty ir.Type, t *tensor.Tensor) bool {
	return ty.DType == t.DType && tensor.SameShape(ty.Shape, t.Shape)
}

// nodeErr prefixes err with the node: `interp: node "Conv_4" (conv): ...`;
// anonymous nodes are named by their index in the graph.
func nodeErr(i int, n *ir.Node, err error) error {
	switch {
	case n.Name != "":
		return fmt.Errorf("interp: node %q (%s): %w", n.Name, n.Op, err)
	case i >= 0:
		return fmt.Errorf("interp: node #%d (%s): %w", i, n.Op, err)
	}
	return fmt.Errorf("interp: node (%s): %w", n.Op, err)
}
