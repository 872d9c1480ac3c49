package ir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// WriteDot writes g as a Graphviz digraph: graph inputs and outputs are
// ellipses, each node a box labelled with its op, ONNX name and op type and
// its output types, with its constant operands folded into the label (one
// line each) rather than drawn as separate nodes, which would swamp a CNN's
// picture with weight tensors. The output is deterministic. Like Print it
// tolerates broken graphs: an operand that is defined nowhere is drawn as a
// red "undefined" node.
func WriteDot(w io.Writer, g *Graph) error {
	if g == nil {
		return errors.New("ir.WriteDot: nil graph")
	}
	bw := bufio.NewWriter(w)
	d := &dotWriter{w: bw, ids: map[*Value]string{}, p: &printer{handles: map[*Value]string{}, annotate: map[*Value]bool{}, usedNames: map[string]bool{}}}
	d.graph(g)
	return bw.Flush()
}

type dotWriter struct {
	w   *bufio.Writer
	ids map[*Value]string // DOT node id (and port label) producing each value
	p   *printer          // only for value handles, numbered as in Print
	n   int               // counter for extra DOT nodes
}

// dotQuote quotes s as a DOT string; lines are joined with DOT's "\n".
func dotQuote(lines ...string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", ``)
	for i, l := range lines {
		lines[i] = r.Replace(l)
	}
	return `"` + strings.Join(lines, `\n`) + `"`
}

func (d *dotWriter) printf(format string, args ...any) { fmt.Fprintf(d.w, format, args...) }

func (d *dotWriter) handle(v *Value) string {
	if v == nil {
		return "_"
	}
	return d.p.handle(v)
}

func (d *dotWriter) graph(g *Graph) {
	d.printf("digraph %s {\n", dotQuote(g.Name))
	d.printf("\tgraph [rankdir=TB, fontname=\"Helvetica\", label=%s];\n", dotQuote(fmt.Sprintf("%s (stage %s)", g.Name, g.Stage)))
	d.printf("\tnode [fontname=\"Helvetica\", fontsize=10];\n")
	d.printf("\tedge [fontname=\"Helvetica\", fontsize=9];\n")
	for i, v := range g.Inputs {
		id := fmt.Sprintf("in%d", i)
		if v == nil {
			d.printf("\t%s [shape=ellipse, color=red, label=\"nil input\"];\n", id)
			continue
		}
		d.ids[v] = id
		d.printf("\t%s [shape=ellipse, style=filled, fillcolor=\"#e8f0ff\", label=%s];\n", id, dotQuote(d.handle(v), v.Type.String()))
	}
	// Constants get a handle now (so numbering matches Print) but a DOT node
	// only if something other than a node operand needs one.
	for _, v := range g.Consts {
		if v != nil {
			d.handle(v)
		}
	}
	for i, n := range g.Nodes {
		id := fmt.Sprintf("n%d", i)
		if n == nil {
			d.printf("\t%s [shape=box, color=red, label=\"nil node\"];\n", id)
			continue
		}
		lines := []string{string(n.Op)}
		if n.Name != "" || n.OnnxOp != "" {
			origin := fmt.Sprintf("%q", n.Name)
			if n.OnnxOp != "" {
				origin += " (" + n.OnnxOp + ")"
			}
			lines = append(lines, origin)
		}
		for j, in := range n.Inputs {
			if in.IsConst() {
				lines = append(lines, fmt.Sprintf("in%d: %s %s", j, d.handle(in), in.Type))
			}
		}
		for _, out := range n.Outputs {
			if out == nil {
				lines = append(lines, "→ _")
				continue
			}
			lines = append(lines, fmt.Sprintf("→ %s %s", d.handle(out), out.Type))
		}
		d.printf("\t%s [shape=box, style=rounded, label=%s];\n", id, dotQuote(lines...))
		for j, in := range n.Inputs {
			if in == nil || in.IsConst() {
				continue
			}
			src := d.source(in)
			attrs := ""
			if len(n.Inputs) > 1 {
				attrs = fmt.Sprintf(" [label=%q]", fmt.Sprint(j))
			}
			d.printf("\t%s -> %s%s;\n", src, id, attrs)
		}
		for _, out := range n.Outputs {
			if out != nil {
				if _, seen := d.ids[out]; !seen {
					d.ids[out] = id
				}
			}
		}
	}
	for i, v := range g.Outputs {
		id := fmt.Sprintf("out%d", i)
		if v == nil {
			d.printf("\t%s [shape=ellipse, color=red, label=\"nil output\"];\n", id)
			continue
		}
		d.printf("\t%s [shape=ellipse, style=filled, fillcolor=\"#e8ffe8\", label=%s];\n", id, dotQuote(d.handle(v), v.Type.String()))
		d.printf("\t%s -> %s;\n", d.source(v), id)
	}
	d.printf("}\n")
}

// source returns the DOT node a value comes from, creating a small box for
// a constant read outside a node operand (a graph output) or a red node for
// a value defined nowhere (or later: out-of-order graphs).
func (d *dotWriter) source(v *Value) string {
	if id, ok := d.ids[v]; ok {
		return id
	}
	id := fmt.Sprintf("x%d", d.n)
	d.n++
	d.ids[v] = id
	if v.IsConst() {
		d.printf("\t%s [shape=box, fontsize=8, label=%s];\n", id, dotQuote(d.handle(v), v.Type.String()))
	} else {
		d.printf("\t%s [shape=box, color=red, label=%s];\n", id, dotQuote("undefined", d.handle(v)))
	}
	return id
}
