package isa

import (
	"strings"
	"testing"
)

func TestBuilder(t *testing.T) {
	a := testArch()
	b := NewBuilder("test", a.Fingerprint)
	b.AddPort(Port{Name: "x", Dir: PortIn, Addr: 0, Shape: []uint32{1, 32}, Type: MakeIntType(4, false), Scale: 1})
	b.AddPort(Port{Name: "y", Dir: PortOut, Addr: 100, Shape: []uint32{1}, Type: MakeIntType(32, true), Scale: 1})
	src := b.SetSource(Source{Layer: "fc", Node: "Gemm_0", Value: "y"})
	b.AddWeightRow(1, 6, make([]byte, 4))
	b.AddWeightRow(1, 5, make([]byte, 4))
	if addr := b.AddConst("k", []int32{1, 2}); addr != 0 {
		t.Errorf("first const at %d", addr)
	}
	if addr := b.AddConst("m", []int32{3}); addr != 2 {
		t.Errorf("second const at %d, want 2", addr)
	}
	b.Emit(OpLi, 1, 3)
	loop := b.NewLabel("loop")
	done := b.NewLabel("done")
	b.Label(loop)
	b.Emit(OpPld, 0, 0, 0, 0, 32)
	b.Emit(OpWrp, 0, 1, 0, 0, 0, 0)
	b.Emit(OpBmac, 0, 1, 0, 0, 5, 0, 0, 0)
	b.Branch(OpBeq, done, 1, 0)
	b.Branch(OpDbnz, loop, 1)
	b.Label(done)
	b.ClearSource()
	b.Emit(OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p, a); err != nil {
		t.Fatal(err)
	}
	if p.Code[4].Args[2] != 6 || p.Code[5].Args[1] != 1 {
		t.Errorf("labels not resolved: %v, %v", p.Code[4], p.Code[5])
	}
	if p.Code[0].Src != src || p.Code[6].Src != -1 {
		t.Errorf("sources: %d, %d", p.Code[0].Src, p.Code[6].Src)
	}
	if p.Weights[0].Row != 5 || p.Weights[1].Row != 6 {
		t.Error("weights not sorted")
	}
	back, err := ParseAsm("b.pasm", FormatAsm(p))
	if err != nil {
		t.Fatal(err)
	}
	if string(FormatAsm(back)) != string(FormatAsm(p)) {
		t.Error("builder program does not round trip")
	}
}

func TestBuilderErrors(t *testing.T) {
	cases := []struct {
		build func(b *Builder)
		want  string
	}{
		{func(b *Builder) { b.Emit(OpAdd, 1, 2) }, "code[0] (add): 2 operands, want 3"},
		{func(b *Builder) { b.Emit(OpAdd, 1, 2, 99) }, "code[0]: add: operand rb = 99 out of range"},
		{func(b *Builder) { b.Branch(OpJmp, "nowhere") }, `code[0] (jmp): undefined label "nowhere"`},
		{func(b *Builder) { b.Branch(OpAdd, "x", 1, 2) }, "code[0]: add is not a branch"},
		{func(b *Builder) { b.Label("a"); b.Label("a") }, `label "a" defined twice`},
		{func(b *Builder) { b.Label("1x") }, `label "1x" is not an identifier`},
		{func(b *Builder) { b.Emit(Opcode(0xEE)) }, "undefined opcode 0xee"},
		{func(b *Builder) { b.AddSourceMACs(5) }, "AddSourceMACs(5): no current source"},
		{func(b *Builder) { b.SetSource(Source{Layer: "l"}); b.AddSourceMACs(-1) }, "AddSourceMACs(-1): negative count"},
	}
	for _, c := range cases {
		b := NewBuilder("t", [32]byte{})
		c.build(b)
		_, err := b.Program()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// TestBuilderSourceMACs: sources are interned by name, whatever their
// declared MACs, and the declared counts of one source add up.
func TestBuilderSourceMACs(t *testing.T) {
	b := NewBuilder("t", [32]byte{})
	i := b.SetSource(Source{Layer: "fc", Node: "Gemm_0", Value: "y"})
	b.AddSourceMACs(100)
	j := b.SetSource(Source{Layer: "fc", Node: "Gemm_0", Value: "y", MACs: 20})
	k := b.SetSource(Source{Layer: "relu", Node: "Relu_0", Value: "z"})
	b.Emit(OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	if i != 0 || j != 0 || k != 1 || len(p.Sources) != 2 {
		t.Fatalf("indices %d %d %d, %d sources; want 0 0 1, 2", i, j, k, len(p.Sources))
	}
	if p.Sources[0].MACs != 120 || p.Sources[1].MACs != 0 {
		t.Errorf("MACs %d, %d; want 120, 0", p.Sources[0].MACs, p.Sources[1].MACs)
	}
}
