package train

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// layer is the training form of one node. forward computes the output from
// the inputs (parameters arrive as their Param.Data); it may keep references
// to its inputs and output for backward, which runs before the next forward.
// backward gets the output gradient (which it must not modify) and returns
// the gradient of every non-constant input i with want[i] set (nil
// elsewhere); it adds the gradients of its trainable parameters into their
// Param.Grad itself.
type layer interface {
	forward(in []*tensor.Tensor, training bool) (*tensor.Tensor, error)
	backward(dout *tensor.Tensor, want []bool) ([]*tensor.Tensor, error)
}

type step struct {
	node   *ir.Node
	l      layer
	params []*Param // per input: the parameter it is, or nil
	want   []bool   // per input: a non-constant value whose gradient is needed
}

// Model is a graph prepared for training: its trainable constants copied to
// Params, every node of the path from the input to the logits compiled to a
// layer. It is not safe for concurrent use.
type Model struct {
	g       *ir.Graph
	input   *ir.Value
	logits  *ir.Value
	params  []*Param // trainable, in graph constant order
	buffers []*Param // running statistics
	live    []*Param // scratch: the parameters a step updates (not Frozen)
	actQ    map[*ir.Value]*ActQuant
	byValue map[*ir.Value]*Param
	steps   []*step

	// BNMomentum is the weight of the batch statistics in the running
	// mean/variance update of batch_norm in training mode (PyTorch's
	// momentum, 0.1 by default; ONNX's momentum attribute is 1 minus this).
	BNMomentum float32

	act      map[*ir.Value]*tensor.Tensor
	grad     map[*ir.Value]*tensor.Tensor
	gradAcc  map[*ir.Value]*tensor.Tensor // owned accumulators for values with several readers
	needGrad map[*ir.Value]bool
}

// paramSlots lists, per op, which constant inputs are parameters and their roles.
var paramSlots = map[ir.Op]map[int]Role{
	ir.OpConv:      {1: RoleWeight, 2: RoleBias},
	ir.OpFC:        {1: RoleWeight, 2: RoleBias},
	ir.OpGemm:      {0: RoleWeight, 1: RoleWeight, 2: RoleBias},
	ir.OpMatMul:    {0: RoleWeight, 1: RoleWeight},
	ir.OpAdd:       {0: RoleBias, 1: RoleBias},
	ir.OpBatchNorm: {1: RoleBNScale, 2: RoleBNBias, 3: RoleBNMean, 4: RoleBNVar},
}

// NewModel prepares g for training. g must have one float32 input (its first
// dimension is the batch, any size at run time) and one output, the logits
// [N, classes]; a final softmax or log_softmax is skipped during training
// (the loss includes it) but kept in the graph Model.Graph returns. Every
// node between input and logits must be an op with a gradient (see
// newLayer); the error lists those that are not.
func NewModel(g *ir.Graph) (*Model, error) {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("train: graph %q has %d inputs and %d outputs, want one of each", g.Name, len(g.Inputs), len(g.Outputs))
	}
	m := &Model{g: g, input: g.Inputs[0], logits: g.Outputs[0], byValue: map[*ir.Value]*Param{}, BNMomentum: 0.1}
	if m.input.Type.DType != tensor.Float32 || len(m.input.Type.Shape) < 1 {
		return nil, fmt.Errorf("train: input %q is %v, want float32 with a batch dimension", m.input.Name, m.input.Type)
	}
	if d := m.logits.Def; d != nil && (d.Op == ir.OpSoftmax || d.Op == ir.OpLogSoftmax) && len(d.Inputs) == 1 {
		if ax := d.Int("axis", -1); ax == int64(len(d.Inputs[0].Type.Shape)-1) {
			m.logits = d.Inputs[0]
		}
	}
	if len(m.logits.Type.Shape) != 2 {
		return nil, fmt.Errorf("train: logits %q are %v, want [N, classes]", m.logits.Name, m.logits.Type)
	}
	nodes, err := pathTo(g, m.logits)
	if err != nil {
		return nil, err
	}
	isConst := map[*ir.Value]bool{}
	for _, v := range g.Consts {
		isConst[v] = true
	}
	var bad []string
	scratch := &convScratch{}
	for _, n := range nodes {
		slots := paramSlots[n.Op]
		st := &step{node: n, params: make([]*Param, len(n.Inputs)), want: make([]bool, len(n.Inputs))}
		for i, v := range n.Inputs {
			if v == nil || !v.IsConst() {
				continue
			}
			role, ok := slots[i]
			if !ok || (n.Op == ir.OpAdd && n.Inputs[1-i].IsConst()) {
				continue // not a parameter slot, or an add of two constants
			}
			p, err := m.param(v, role, n)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			st.params[i] = p
		}
		l, err := newLayer(n, st.params, scratch)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", n.Origin(), err))
			continue
		}
		if bl, ok := l.(*bnLayer); ok {
			bl.momentum = &m.BNMomentum
		}
		st.l = l
		m.steps = append(m.steps, st)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("train: graph %q cannot be trained:\n  %s", g.Name, joinLines(bad))
	}
	m.needGrad = map[*ir.Value]bool{}
	for _, st := range m.steps {
		need := false
		for i, v := range st.node.Inputs {
			if v == nil {
				continue
			}
			if p := st.params[i]; p != nil && p.Trainable() {
				need = true
			}
			if m.needGrad[v] {
				st.want[i] = true
				need = true
			}
		}
		for _, o := range st.node.Outputs {
			m.needGrad[o] = need
		}
	}
	return m, nil
}

// pathTo returns the nodes out depends on, in graph order; every value on
// the way must be the graph input, a constant or a node output.
func pathTo(g *ir.Graph, out *ir.Value) ([]*ir.Node, error) {
	need := map[*ir.Node]bool{}
	var visit func(v *ir.Value)
	visit = func(v *ir.Value) {
		if v == nil || v.Def == nil || need[v.Def] {
			return
		}
		need[v.Def] = true
		for _, in := range v.Def.Inputs {
			visit(in)
		}
	}
	visit(out)
	var nodes []*ir.Node
	for _, n := range g.Nodes {
		if need[n] {
			nodes = append(nodes, n)
			if len(n.Outputs) != 1 {
				return nil, fmt.Errorf("train: %s has %d outputs; only single-output ops can be trained", n.Origin(), len(n.Outputs))
			}
		}
	}
	return nodes, nil
}

func joinLines(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "\n  "
		}
		out += x
	}
	return out
}

// param returns the Param of constant v, creating it on first use.
func (m *Model) param(v *ir.Value, role Role, n *ir.Node) (*Param, error) {
	if p := m.byValue[v]; p != nil {
		return p, nil
	}
	if v.Const.DType != tensor.Float32 || len(v.Const.F32) != v.Const.Len() {
		return nil, fmt.Errorf("%s: constant %q is %v, want float32", n.Origin(), v.Name, v.Const)
	}
	name := v.Name
	if name == "" {
		name = fmt.Sprintf("%s.%s", n.Name, role)
	}
	p := &Param{Name: name, Role: role, Value: v, Node: n, Data: v.Const.Clone()}
	if role == RoleBNMean || role == RoleBNVar {
		m.buffers = append(m.buffers, p)
	} else {
		p.Grad = make([]float32, p.Len())
		p.Decay = role == RoleWeight
		m.params = append(m.params, p)
	}
	m.byValue[v] = p
	return p, nil
}

// Params returns the trainable parameters in the order of first use.
func (m *Model) Params() []*Param { return m.params }

// Buffers returns the non-trained state (batch-norm running statistics).
func (m *Model) Buffers() []*Param { return m.buffers }

// ParamOf returns the parameter holding constant v of the source graph, or nil.
func (m *Model) ParamOf(v *ir.Value) *Param { return m.byValue[v] }

// Weights returns the parameters with RoleWeight: the matrices ADMM
// compresses, in graph order.
func (m *Model) Weights() []*Param {
	var out []*Param
	for _, p := range m.params {
		if p.Role == RoleWeight {
			out = append(out, p)
		}
	}
	return out
}

// ZeroGrad clears every gradient.
func (m *Model) ZeroGrad() {
	for _, p := range m.params {
		clear(p.Grad)
	}
}

// Forward runs the model on a batch x [N, input dims...] and returns the
// logits [N, classes]. In training mode batch_norm uses and updates batch
// statistics; Backward may follow. The result is owned by the model and
// valid until the next Forward.
func (m *Model) Forward(x *tensor.Tensor, training bool) (*tensor.Tensor, error) {
	want := m.input.Type.Shape
	if x.DType != tensor.Float32 || len(x.Shape) != len(want) || !tensor.SameShape(x.Shape[1:], want[1:]) || len(x.F32) != x.Len() {
		return nil, fmt.Errorf("train: input is %v, want float32[N,%v]", x, want[1:])
	}
	m.act = map[*ir.Value]*tensor.Tensor{m.input: x}
	m.grad, m.gradAcc = nil, nil
	ins := make([]*tensor.Tensor, 0, 8)
	for _, st := range m.steps {
		ins = ins[:0]
		for i, v := range st.node.Inputs {
			switch {
			case v == nil:
				ins = append(ins, nil)
			case st.params[i] != nil:
				ins = append(ins, st.params[i].Data)
			case v.IsConst():
				ins = append(ins, v.Const)
			default:
				t := m.act[v]
				if t == nil {
					return nil, fmt.Errorf("BUG: train: %s: input %d not computed", st.node.Origin(), i)
				}
				ins = append(ins, t)
			}
		}
		out, err := st.l.forward(ins, training)
		if err != nil {
			return nil, fmt.Errorf("train: %s: %w", st.node.Origin(), err)
		}
		if q := m.actQ[st.node.Outputs[0]]; q != nil {
			out = q.apply(out, training)
		}
		m.act[st.node.Outputs[0]] = out
	}
	out := m.act[m.logits]
	if out == nil {
		return nil, fmt.Errorf("BUG: train: logits %q not computed", m.logits.Name)
	}
	if len(out.Shape) != 2 {
		return nil, fmt.Errorf("train: logits %q are %v at run time, want [N, classes]", m.logits.Name, out)
	}
	return out, nil
}

// Backward propagates dlogits (the loss gradient with respect to the
// logits of the last Forward) through the model, adding every trainable
// parameter's gradient into its Grad. Call ZeroGrad before a new step.
func (m *Model) Backward(dlogits *tensor.Tensor) error {
	if m.act == nil {
		return fmt.Errorf("train: Backward without Forward")
	}
	if lg := m.act[m.logits]; !tensor.SameShape(lg.Shape, dlogits.Shape) {
		return fmt.Errorf("train: logit gradient is %v, want %v", dlogits, lg)
	}
	m.grad = map[*ir.Value]*tensor.Tensor{m.logits: dlogits}
	m.gradAcc = map[*ir.Value]*tensor.Tensor{}
	for i := len(m.steps) - 1; i >= 0; i-- {
		st := m.steps[i]
		dout := m.grad[st.node.Outputs[0]]
		if dout == nil || !m.needGrad[st.node.Outputs[0]] {
			continue
		}
		if q := m.actQ[st.node.Outputs[0]]; q != nil {
			dout = q.gate(dout)
		}
		dins, err := st.l.backward(dout, st.want)
		if err != nil {
			return fmt.Errorf("train: %s: backward: %w", st.node.Origin(), err)
		}
		for j, d := range dins {
			if d == nil || !st.want[j] {
				continue
			}
			m.accumulate(st.node.Inputs[j], d)
		}
	}
	return nil
}

// accumulate adds d to the gradient of v. The first gradient is kept by
// reference; a second one is summed into an accumulator the model owns, so
// no layer's buffer is ever modified by another layer.
func (m *Model) accumulate(v *ir.Value, d *tensor.Tensor) {
	g := m.grad[v]
	if g == nil {
		m.grad[v] = d
		return
	}
	acc := m.gradAcc[v]
	if acc != g {
		acc = tensor.New(tensor.Float32, g.Shape...)
		copy(acc.F32, g.F32)
		m.gradAcc[v] = acc
		m.grad[v] = acc
	}
	a, b := acc.F32, d.F32
	if len(a) != len(b) {
		panic(fmt.Sprintf("BUG: train: gradient of %q is %v and %v", v.Name, acc, d))
	}
	for i := range a {
		a[i] += b[i]
	}
}

// Graph returns a copy of the source graph whose parameter constants hold
// the current values (new tensors: the source graph's constants are never
// modified).
func (m *Model) Graph() *ir.Graph {
	c := ir.Clone(m.g)
	for i, v := range m.g.Consts {
		if p := m.byValue[v]; p != nil {
			c.Consts[i].Const = p.Data.Clone()
		}
	}
	return c
}
