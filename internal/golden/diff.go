package golden

import (
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// maxDiffCells bounds the longest-common-subsequence table (lines of want
// times lines of got left after the common head and tail): past it, the
// differing middle is shown as removed, then added.
const maxDiffCells = 1 << 22

// Diff returns a unified line diff from want to got, headed "--- want" and
// "+++ got": lines only in want start with "-", lines only in got with "+",
// and each hunk shows up to three unchanged lines around its changes. A
// final line without a newline is marked as in diff(1). Equal texts give "".
func Diff(want, got string) string {
	if want == got {
		return ""
	}
	a, b := splitLines(want), splitLines(got)
	ops := editScript(a, b)
	var out strings.Builder
	out.WriteString("--- want\n+++ got\n")
	for _, h := range hunks(ops) {
		writeHunk(&out, ops[h[0]:h[1]])
	}
	return out.String()
}

// splitLines splits s after each newline; the last line may lack one.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edit is one line of the script: kind ' ' (in both), '-' (want only) or
// '+' (got only), with its 1-based line numbers in want and got (the
// number of lines before it for the side it is not in).
type edit struct {
	kind         byte
	line         string
	aLine, bLine int
}

// editScript is a shortest edit script from a to b (an LCS diff of the
// middle left after the common head and tail).
func editScript(a, b []string) []edit {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var ops []edit
	i, j := 0, 0
	add := func(kind byte, line string) {
		switch kind {
		case ' ':
			i, j = i+1, j+1
		case '-':
			i++
		case '+':
			j++
		}
		ops = append(ops, edit{kind: kind, line: line, aLine: i, bLine: j})
	}
	for k := 0; k < head; k++ {
		add(' ', a[k])
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(ma)*len(mb) > maxDiffCells {
		for _, l := range ma {
			add('-', l)
		}
		for _, l := range mb {
			add('+', l)
		}
	} else {
		// lcs[x][y]: length of the longest common subsequence of ma[x:]
		// and mb[y:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for x := len(ma) - 1; x >= 0; x-- {
			for y := len(mb) - 1; y >= 0; y-- {
				if ma[x] == mb[y] {
					lcs[x*w+y] = lcs[(x+1)*w+y+1] + 1
				} else {
					lcs[x*w+y] = max(lcs[(x+1)*w+y], lcs[x*w+y+1])
				}
			}
		}
		x, y := 0, 0
		for x < len(ma) || y < len(mb) {
			switch {
			case x < len(ma) && y < len(mb) && ma[x] == mb[y]:
				add(' ', ma[x])
				x, y = x+1, y+1
			case y < len(mb) && (x == len(ma) || lcs[x*w+y+1] > lcs[(x+1)*w+y]):
				add('+', mb[y])
				y++
			default:
				add('-', ma[x])
				x++
			}
		}
	}
	for k := len(a) - tail; k < len(a); k++ {
		add(' ', a[k])
	}
	return ops
}

// hunks returns [start, end) ranges of ops: each change with up to
// diffContext unchanged lines on either side, ranges that would touch or
// overlap merged.
func hunks(ops []edit) [][2]int {
	var hs [][2]int
	for k, op := range ops {
		if op.kind == ' ' {
			continue
		}
		lo, hi := max(k-diffContext, 0), min(k+1+diffContext, len(ops))
		if n := len(hs); n > 0 && lo <= hs[n-1][1] {
			hs[n-1][1] = hi
			continue
		}
		hs = append(hs, [2]int{lo, hi})
	}
	return hs
}

// writeHunk writes one hunk with its "@@ -l,s +l,s @@" header.
func writeHunk(out *strings.Builder, ops []edit) {
	var na, nb int
	for _, op := range ops {
		if op.kind != '+' {
			na++
		}
		if op.kind != '-' {
			nb++
		}
	}
	// The first line of each side; for an empty side, the line before.
	first := ops[0]
	aStart, bStart := first.aLine, first.bLine
	if first.kind == '+' {
		aStart++
	}
	if first.kind == '-' {
		bStart++
	}
	if na == 0 {
		aStart--
	}
	if nb == 0 {
		bStart--
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, na), hunkRange(bStart, nb))
	for _, op := range ops {
		out.WriteByte(op.kind)
		out.WriteString(op.line)
		if !strings.HasSuffix(op.line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats a hunk side as diff(1) does: "l" for one line, "l,n"
// otherwise.
func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
