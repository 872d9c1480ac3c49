package isa

import (
	"strings"
	"testing"
)

// TestWriteStats: the static summary counts instructions per opcode and
// per source, weight rows and constant words.
func TestWriteStats(t *testing.T) {
	b := NewBuilder("test", testArch().Fingerprint)
	b.AddConst("k", []int32{1, 2, 3})
	b.SetSource(Source{Layer: "fc", Node: "Gemm_0", Value: "y"})
	b.AddWeightRow(1, 5, make([]byte, 4))
	b.Emit(OpLi, 1, 3)
	b.Emit(OpLi, 2, 3)
	b.ClearSource()
	b.Emit(OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	WriteStats(&out, p)
	for _, want := range []string{"3 instructions, 1 weight rows, 3 constant words, 0 ports", "li", "halt", "@0      fc     Gemm_0     y      2             1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stats lack %q:\n%s", want, out.String())
		}
	}
}
