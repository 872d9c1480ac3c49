package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "disasm", summary: "print a .pimb binary as assembly (.pasm)", run: runDisasm})
}

func runDisasm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("disasm", "FILE.pimb [-o FILE.pasm] [-check] [-stats] [-target FILE|PRESET]", stderr)
	out := fs.String("o", "", "write the assembly to this file instead of stdout (- is stdout)")
	check := fs.Bool("check", false, "also run the loader check against -target and fail if the program would not load")
	tflag := fs.String("target", "", "hardware description for -check (file or preset; default: the one the program embeds, for older programs "+target.DefaultPreset+"); one with another architecture is refused")
	stats := fs.Bool("stats", false, "print a static summary (instructions per opcode and per source, weight rows, constants) instead of the assembly")
	withOutputRules(fs)
	maxProg := programLimit(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if len(pos) != 1 {
		return usageError(fs, "%s", argCount("one FILE.pimb argument", pos))
	}
	if code := checkPaths(fs, outfile.Input("input", pos[0]), outfile.Output("-o", *out), outfile.TargetInput(*tflag)); code != exitOK {
		return code
	}
	data, err := readFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
		return exitUser
	}
	p, err := isa.DecodeBinary(data)
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %s: %v\n", pos[0], err)
		return exitUser
	}
	if *check {
		t, err := programTarget(pos[0], pos[0]+": section targetdesc", p, *tflag, nil)
		if err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		if err := isa.Validate(p, t.Arch()); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %s: %v\n", pos[0], err)
			return exitUser
		}
	}
	if *out == "" {
		*out = "-"
	}
	if *stats {
		var b bytes.Buffer
		writeProgramStats(&b, p)
		if err := writeOutput(*out, b.Bytes(), stdout); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		return exitOK
	}
	// The assembly streams to its destination as it is formatted: it can be
	// ten times the size of the .pimb.
	s, err := startAsm("-o", *out, p, maxProg.n, stdout)
	if err == nil {
		err = s.commit()
	}
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
		return exitUser
	}
	return exitOK
}

// writeProgramStats prints the static instruction mix of p, per opcode and
// per source (layer / ONNX node), and the sizes of its data sections.
func writeProgramStats(w io.Writer, p *isa.Program) {
	byOp := map[isa.Opcode]int{}
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
		p.TargetName, p.TargetFingerprint[:6], len(p.Code), len(p.Weights), constWords(p), len(p.Ports))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "opcode\tunits\tstatic count\t")
	for _, op := range isa.Opcodes() {
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
