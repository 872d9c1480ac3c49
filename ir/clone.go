package ir

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of g's structure: new Graph, Values, Nodes,
// attribute maps, shapes and quantization parameters, wired the same way.
// Constant payloads (Value.Const) are shared, since passes never mutate a
// payload in place; tensor-valued attributes are copied with the attributes.
// Values referenced but not defined in g (a broken graph) are copied too, so
// the clone is exactly as broken as the original.
func Clone(g *Graph) *Graph {
	if g == nil {
		return nil
	}
	c := &cloner{vals: map[*Value]*Value{}, nodes: map[*Node]*Node{}}
	out := &Graph{Name: g.Name, Stage: g.Stage, Producer: g.Producer, Opset: g.Opset}
	if g.Metadata != nil {
		out.Metadata = maps.Clone(g.Metadata)
	}
	// Nodes first (shells), so Value.Def can point at the copies.
	for _, n := range g.Nodes {
		if n != nil {
			c.nodes[n] = &Node{}
		}
	}
	out.Inputs = c.values(g.Inputs)
	out.Consts = c.values(g.Consts)
	out.Nodes = make([]*Node, len(g.Nodes))
	for i, n := range g.Nodes {
		if n == nil {
			continue
		}
		m := c.nodes[n]
		m.Op, m.Name, m.OnnxOp = n.Op, n.Name, n.OnnxOp
		m.Outputs = c.values(n.Outputs)
		m.Inputs = c.values(n.Inputs)
		if n.Attrs != nil {
			m.Attrs = n.Attrs.Clone()
		}
		out.Nodes[i] = m
	}
	out.Outputs = c.values(g.Outputs)
	return out
}

type cloner struct {
	vals  map[*Value]*Value
	nodes map[*Node]*Node
}

func (c *cloner) values(vs []*Value) []*Value {
	if vs == nil {
		return nil
	}
	out := make([]*Value, len(vs))
	for i, v := range vs {
		out[i] = c.value(v)
	}
	return out
}

func (c *cloner) value(v *Value) *Value {
	if v == nil {
		return nil
	}
	if w, ok := c.vals[v]; ok {
		return w
	}
	w := &Value{Name: v.Name, Type: Type{DType: v.Type.DType, Shape: slices.Clone(v.Type.Shape)}, Const: v.Const, DynamicBatch: v.DynamicBatch}
	if v.Quant != nil {
		q := *v.Quant
		q.Scale = slices.Clone(q.Scale)
		q.ZeroPoint = slices.Clone(q.ZeroPoint)
		w.Quant = &q
	}
	c.vals[v] = w
	if v.Def != nil {
		d, ok := c.nodes[v.Def]
		if !ok {
			// Def points outside the graph: copy that node's identity only,
			// so the clone keeps the dangling link without aliasing it.
			d = &Node{Op: v.Def.Op, Name: v.Def.Name, OnnxOp: v.Def.OnnxOp}
			c.nodes[v.Def] = d
		}
		w.Def = d
	}
	return w
}
