package isa

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// ConstWords is the number of 32-bit words of p's constant blocks.
func (p *Program) ConstWords() int {
	n := 0
	for _, c := range p.Consts {
		n += len(c.Data)
	}
	return n
}

// WriteStats prints the static instruction mix of p, per opcode and per
// source (layer / ONNX node), and the sizes of its data sections (pimc
// disasm -stats).
func WriteStats(w io.Writer, p *Program) {
	byOp := map[Opcode]int{}
	bySrc := map[int32]int{}
	for _, in := range p.Code {
		byOp[in.Op]++
		bySrc[in.Src]++
	}
	rowsBySrc := map[int32]int{}
	for _, r := range p.Weights {
		rowsBySrc[r.Src]++
	}
	fmt.Fprintf(w, "target %s %x\n%d instructions, %d weight rows, %d constant words, %d ports\n\n",
		p.TargetName, p.TargetFingerprint[:6], len(p.Code), len(p.Weights), p.ConstWords(), len(p.Ports))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "opcode\tunits\tstatic count\t")
	for _, op := range Opcodes() {
		if n := byOp[op]; n > 0 {
			fmt.Fprintf(tw, "%s\t%v\t%d\t\n", op, op.Info().Units, n)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	srcs := make([]int32, 0, len(bySrc)+len(rowsBySrc))
	for s := range bySrc {
		srcs = append(srcs, s)
	}
	for s := range rowsBySrc {
		if _, ok := bySrc[s]; !ok {
			srcs = append(srcs, s)
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i] < srcs[j] })
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tlayer\tONNX node\tvalue\tinstructions\tweight rows")
	for _, s := range srcs {
		layer, node, value := "-", "-", "-"
		if s >= 0 && int(s) < len(p.Sources) {
			src := p.Sources[s]
			layer, node, value = src.Layer, src.Node, src.Value
		}
		fmt.Fprintf(tw, "@%d\t%s\t%s\t%s\t%d\t%d\n", s, layer, node, value, bySrc[s], rowsBySrc[s])
	}
	tw.Flush()
}
