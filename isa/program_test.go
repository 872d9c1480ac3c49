package isa

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// testArch is a small machine for Validate tests: 2 banks x 2 mats x 4
// sub-arrays of 64 x 32.
func testArch() Arch {
	a := Arch{
		Name: "test", Subarrays: 16, SubarraysPerMat: 4, Rows: 64, Cols: 32, AccPerSubarray: 2,
		AccBits: 24, DPULanes: 8, ActBufferWords: 1024, ActWordBits: 32, ConstWords: 256,
	}
	a.Fingerprint[0] = 0xAB
	return a
}

// randProgram builds a random program that satisfies the canonical-form rules
// the text format relies on (identifier names, symbols sorted by pc, nil for
// empty slices), but not necessarily Validate.
func randProgram(r *rand.Rand) *Program {
	p := &Program{TargetName: randString(r)}
	if r.IntN(4) != 0 {
		for i := range p.TargetFingerprint {
			p.TargetFingerprint[i] = byte(r.IntN(256))
		}
	}
	for range r.IntN(4) {
		s := Source{Layer: randString(r), Node: randString(r), Value: randString(r)}
		if r.IntN(2) == 0 {
			s.MACs = r.Int64N(1 << 40) // declared workload (format v1.2), sometimes 0
		}
		p.Sources = append(p.Sources, s)
	}
	n := r.IntN(40)
	for range n {
		in := randInstr(r, n)
		in.Src = int32(r.IntN(len(p.Sources)+1)) - 1
		p.Code = append(p.Code, in)
	}
	rowBytes := 1 + r.IntN(8)
	for i := range r.IntN(5) {
		b := make([]byte, rowBytes)
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		p.Weights = append(p.Weights, WeightRow{Subarray: uint32(i / 2), Row: uint32(i), Bits: b, Src: int32(r.IntN(len(p.Sources)+1)) - 1})
	}
	addr := uint32(0)
	for i := range r.IntN(4) {
		c := ConstBlock{Name: fmt.Sprintf("c%d.x", i), Addr: addr}
		for range r.IntN(40) {
			c.Data = append(c.Data, int32(r.Uint32()))
		}
		addr += uint32(len(c.Data)) + uint32(r.IntN(3))
		p.Consts = append(p.Consts, c)
	}
	for i := range r.IntN(4) {
		pt := Port{Name: randString(r) + fmt.Sprint(i), Dir: PortDir(r.IntN(2)), Addr: r.Uint32(), Type: MakeIntType(8, true),
			Scale: []float64{1, 0.1, 1e-300, math.Float64frombits(r.Uint64() &^ (0x7ff << 52))}[r.IntN(4)], ZeroPoint: int32(r.Uint32()),
			Segment: []int32{0, 0, AllSegments, int32(r.IntN(70))}[r.IntN(4)]}
		for range r.IntN(5) {
			pt.Shape = append(pt.Shape, uint32(r.IntN(300)))
		}
		p.Ports = append(p.Ports, pt)
	}
	pc := 0
	for i := range r.IntN(4) {
		pc += r.IntN(len(p.Code) - pc + 1)
		p.Symbols = append(p.Symbols, Symbol{Name: fmt.Sprintf("L_%d", i), PC: uint32(pc)})
	}
	// Opaque sections (host v1.1, targetdesc v1.4): text lines, quotes,
	// '#', carriage returns, invalid UTF-8, with or without a final newline.
	p.Host, p.TargetDesc = randBytes(r), randBytes(r)
	// Streams (v1.5): entries inside the code, at its end or beyond.
	for range r.IntN(4) {
		p.Streams = append(p.Streams, uint32(r.IntN(len(p.Code)+3)))
	}
	return p
}

// randBytes is nil or a few random pieces of text and bytes.
func randBytes(r *rand.Rand) []byte {
	if r.IntN(2) == 0 {
		return nil
	}
	pieces := []string{"pimc-host 1\n", "{\n", `  "name": "a#b",` + "\n", "\r\n", "\xff\xfe", "\x00", "\t", "é", "\\", "\n\n", "x"}
	var b []byte
	for range 1 + r.IntN(8) {
		b = append(b, pieces[r.IntN(len(pieces))]...)
	}
	return b
}

func randString(r *rand.Rand) string {
	alphabet := []string{"a", "Z", "_", "/", " ", "\"", "#", "\n", "é", "\\", ":", ",", "[", "@", "0"}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func TestBinaryRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 500 {
		p := randProgram(r)
		b, err := EncodeBinary(p)
		if err != nil {
			t.Fatalf("program %d: EncodeBinary: %v", i, err)
		}
		back, err := DecodeBinary(b)
		if err != nil {
			t.Fatalf("program %d: DecodeBinary: %v", i, err)
		}
		if !reflect.DeepEqual(p, back) {
			t.Fatalf("program %d: binary round trip differs:\nwant %+v\ngot  %+v", i, p, back)
		}
		b2, _ := EncodeBinary(back)
		if !bytes.Equal(b, b2) {
			t.Fatalf("program %d: re-encoding differs", i)
		}
	}
}

func TestAsmRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 500 {
		p := randProgram(r)
		text := FormatAsm(p)
		back, err := ParseAsm("rand.pasm", text)
		if err != nil {
			t.Fatalf("program %d: ParseAsm: %v\n%s", i, err, text)
		}
		if !reflect.DeepEqual(p, back) {
			t.Fatalf("program %d: asm round trip differs:\nwant %+v\ngot  %+v\n%s", i, p, back, text)
		}
		if !bytes.Equal(text, FormatAsm(back)) {
			t.Fatalf("program %d: printing is not deterministic", i)
		}
	}
}

// validProgram is a small program that passes Validate on testArch.
func validProgram() *Program {
	a := testArch()
	p := &Program{TargetName: "test", TargetFingerprint: a.Fingerprint,
		Sources: []Source{{Layer: "fc", Node: "Gemm_0", Value: "y", MACs: 32}},
		Weights: []WeightRow{{Subarray: 1, Row: 5, Bits: make([]byte, 4), Src: 0}},
		Consts:  []ConstBlock{{Name: "k", Addr: 0, Data: []int32{1, 2}}},
		Ports: []Port{{Name: "x", Dir: PortIn, Addr: 0, Shape: []uint32{1, 32}, Type: MakeIntType(4, false), Scale: 1},
			{Name: "y", Dir: PortOut, Addr: 100, Shape: []uint32{1}, Type: MakeIntType(32, true), Scale: 1}},
	}
	p.Code = []Instr{
		NewInstr(OpPld, 0, 0, 0, 0, 32),
		NewInstr(OpWrp, 0, 1, 0, 0, 0, 0),
		NewInstr(OpBmac, 0, 1, 0, 0, 5, 1, 0, 0),
		NewInstr(OpSetvl, 0, 1),
		NewInstr(OpVacc, 0, 0, 0, 0, 1, 1, 1),
		NewInstr(OpVst, 0, 0, 100, 1),
		NewInstr(OpHalt),
	}
	p.Code[2].Src = 0 // the bmac: fc declares MACs, so it needs one (Validate)
	return p
}

func TestValidateOK(t *testing.T) {
	if err := Validate(validProgram(), testArch()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name   string
		modify func(p *Program)
		want   string
	}{
		{"unknown opcode", func(p *Program) { p.Code[0] = Instr{Op: 0xEE} }, "code[0]: undefined opcode 0xee"},
		{"register out of range", func(p *Program) { p.Code[0] = Instr{Op: OpAdd, Args: [MaxArgs]int64{40, 1, 2}} }, "code[0] (add): operand rd = 40 out of range"},
		{"sub-array out of range", func(p *Program) { p.Code[2].Args[1] = 16 }, "code[2] (bmac): sub-array 16 out of range (target has 16)"},
		{"row out of range", func(p *Program) { p.Code[2].Args[4] = 64 }, "code[2] (bmac): rowb 64 out of range (target has 64 rows)"},
		{"accumulator out of range", func(p *Program) { p.Code[2].Args[5] = 2 }, "code[2] (bmac): accumulator a2 out of range"},
		{"never programmed row", func(p *Program) { p.Code[2].Args[4] = 6 }, "code[2] (bmac): reads sub-array 1 row 6, which is never programmed"},
		{"never programmed sub-array", func(p *Program) { p.Code[2].Args[1] = 3 }, "reads sub-array 3 row 0, which is never programmed"},
		{"read before write", func(p *Program) { p.Code[1], p.Code[2] = p.Code[2], p.Code[1]; p.Code[1].Args[4] = 0 },
			"code[1] (bmac): reads sub-array 1 row 0 before it is programmed (first wrp that may write it: code[2]; no loop leads back)"},
		{"branch target", func(p *Program) { p.Code[3] = NewInstr(OpJmp, 7) }, "code[3] (jmp): branch target 7 outside the code (7 instructions)"},
		{"missing halt", func(p *Program) { p.Code[6] = NewInstr(OpNop) }, "code: no halt instruction"},
		{"empty code", func(p *Program) { p.Code = nil }, "code: empty program"},
		{"target mismatch", func(p *Program) { p.TargetFingerprint[1] = 1 }, `program was built for target "test"`},
		{"unbound", func(p *Program) { p.TargetFingerprint = [32]byte{} }, "not bound to a target"},
		{"bad source index", func(p *Program) { p.Code[1].Src = 3 }, "code[1] (wrp): source index 3 out of range"},
		{"negative MACs", func(p *Program) { p.Sources[0].MACs = -5 }, "sources[0] (fc): declared MACs -5 is negative"},
		{"declared MACs without a row AND", func(p *Program) { p.Code[2].Src = -1 }, "sources[0] (fc): declares 32 MACs per inference but has no bmac, gbmac, gdot or and instruction"},
		{"patch overflow", func(p *Program) { p.Code[0].Args[1] = 1 }, "code[0] (pld): patch columns [1, 33) beyond 32 columns"},
		{"buffer overflow", func(p *Program) { p.Code[0].Args[3] = 1000 }, "code[0] (pld): activation buffer address 1000 (+32) outside 1024 words"},
		{"setvl zero", func(p *Program) { p.Code[3].Args[1] = 0 }, "code[3] (setvl): vector length 0 outside 1..8"},
		{"lane", func(p *Program) { p.Code[4].Args[2] = 8 }, "code[4] (vacc): lane 8 out of range (target has 8 lanes)"},
		{"accadd mats", func(p *Program) { p.Code[3] = NewInstr(OpAccadd, 0, 1, 0, 0, 4, 0) }, "sub-arrays 1 and 4 are in different mats"},
		{"vclip", func(p *Program) { p.Code[3] = NewInstr(OpVclip, 0, 0, 5, 4) }, "code[3] (vclip): lo 5 > hi 4"},
		{"weights length", func(p *Program) { p.Weights[0].Bits = make([]byte, 3) }, "weights[0] (sub-array 1 row 5): 3 bytes, want cols/8 = 4"},
		{"weights order", func(p *Program) { p.Weights = append(p.Weights, p.Weights[0]) }, "weights[1] (sub-array 1 row 5): not sorted by (sub-array, row) or duplicated"},
		{"weights range", func(p *Program) { p.Weights[0].Row = 64 }, "row out of range (target has 64 rows)"},
		{"const outside", func(p *Program) { p.Consts[0].Addr = 255 }, `consts[0] ("k"): words [255, 257) outside constant memory of 256 words`},
		{"const overlap", func(p *Program) { p.Consts = append(p.Consts, ConstBlock{Name: "k2", Addr: 1}) }, `consts[1] ("k2"): starts at 1, overlapping`},
		{"const name", func(p *Program) { p.Consts[0].Name = "a b" }, "name is not an identifier"},
		{"port outside", func(p *Program) { p.Ports[1].Addr = 1024 }, `ports[1] (output "y"): words [1024, 1025) outside the activation buffer`},
		{"port overlap", func(p *Program) { p.Ports[1].Addr = 10 }, `ports[1] (output "y"): words [10, 11) overlap port "x"`},
		{"port overlap in one segment", func(p *Program) { p.Ports[1].Addr = 10; p.Ports[0].Segment, p.Ports[1].Segment = 2, 2 },
			`ports[1] (output "y"): words [10, 11) overlap port "x" of the same run (segment 2; ports of one segment must be disjoint)`},
		{"port overlap all segments", func(p *Program) { p.Ports[1].Addr = 10; p.Ports[0].Segment, p.Ports[1].Segment = AllSegments, 1 },
			`overlap port "x" of the same run (a port of every segment overlaps another port)`},
		{"port segment", func(p *Program) { p.Ports[0].Segment = -2 }, `ports[0] (input "x"): segment -2 is neither a segment index (>= 0) nor all (-1)`},
		{"port type", func(p *Program) { p.Ports[0].Type = 0 }, "invalid element type code 0"},
		{"port scale", func(p *Program) { p.Ports[0].Scale = math.NaN() }, "must be positive and finite"},
		{"symbol pc", func(p *Program) { p.Symbols = []Symbol{{"a", 99}} }, `symbols[0] ("a"): pc 99 beyond the code`},
		{"static load", func(p *Program) { p.Code[3] = NewInstr(OpLdc, 1, 0, 256) }, "code[3] (ldc): constant memory address 256 (+1) outside 256 words"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validProgram()
			c.modify(p)
			err := Validate(p, testArch())
			if err == nil {
				t.Fatalf("Validate succeeded, want error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n%v\ndoes not contain %q", err, c.want)
			}
			if _, ok := AsLoadError(err); !ok {
				t.Errorf("error is not a *LoadError")
			}
		})
	}
}

// TestValidatePortSegments: ports of different device segments may share
// buffer words (every run starts from the post-load state and the host moves
// values between segments); the same words in one segment may not.
func TestValidatePortSegments(t *testing.T) {
	p := validProgram()
	p.Ports[1].Addr = 10 // inside "x"
	p.Ports[0].Segment, p.Ports[1].Segment = 0, 1
	if err := Validate(p, testArch()); err != nil {
		t.Fatalf("ports of segments 0 and 1 sharing words: %v", err)
	}
	p.Ports[1].Segment = 0
	if err := Validate(p, testArch()); err == nil || !strings.Contains(err.Error(), `overlap port "x" of the same run`) {
		t.Fatalf("ports of one segment sharing words: got %v", err)
	}
}

func TestValidateWordBits(t *testing.T) {
	a := testArch()
	a.ActWordBits = 8
	p := validProgram()
	p.Code[1].Args[5] = 8
	err := Validate(p, a)
	if err == nil || !strings.Contains(err.Error(), "code[1] (wrp): bit 8 beyond the 8-bit buffer word") {
		t.Fatalf("got %v", err)
	}
}

// TestValidateLoopWrites: a read before a wrp in program order is fine when a
// loop brings the wrp before the read again (a software-pipelined loop body).
func TestValidateLoopWrites(t *testing.T) {
	p := validProgram()
	// bmac reads row 0 of sub-array 1, the wrp after it writes that row, and
	// a dbnz loops back over both.
	p.Code = []Instr{
		NewInstr(OpLi, 1, 2),
		NewInstr(OpBmac, 0, 1, 0, 0, 5, 0, 0, 0),
		NewInstr(OpWrp, 0, 1, 0, 0, 0, 0),
		NewInstr(OpDbnz, 1, 1),
		NewInstr(OpHalt),
	}
	p.Code[1].Src = 0
	if err := Validate(p, testArch()); err != nil {
		t.Fatalf("loop that writes the row before the next read: %v", err)
	}
	p.Code[3] = NewInstr(OpNop)
	if err := Validate(p, testArch()); err == nil || !strings.Contains(err.Error(), "code[1] (bmac): reads sub-array 1 row 0 before it is programmed") {
		t.Fatalf("without the loop: %v", err)
	}
}

// TestValidateDynamicWrites: a wrp with a register-relative address may write
// any row, so reads are not reported statically (the simulator checks them).
func TestValidateDynamicWrites(t *testing.T) {
	p := validProgram()
	p.Code[2].Args[4] = 6 // row 6 of sub-array 1 is not in the weight image
	p.Code[1] = NewInstr(OpWrp, 0, 1, 3, 0, 0, 0)
	if err := Validate(p, testArch()); err != nil {
		t.Fatalf("register-relative wrp row: %v", err)
	}
	p.Code[1] = NewInstr(OpWrp, 3, 0, 0, 0, 0, 0)
	if err := Validate(p, testArch()); err != nil {
		t.Fatalf("register-relative wrp sub-array: %v", err)
	}
}

// TestNoPanicOnGarbage feeds programs with arbitrary field values to Validate,
// the printer and the encoder: they must report, never panic.
func TestNoPanicOnGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 500 {
		p := randProgram(r)
		for i := range p.Code {
			if r.IntN(3) == 0 {
				p.Code[i].Op = Opcode(r.IntN(256))
				for j := range p.Code[i].Args {
					p.Code[i].Args[j] = int64(r.Uint64()) >> r.IntN(64)
				}
			}
		}
		p.Symbols = append(p.Symbols, Symbol{Name: "bad name", PC: r.Uint32()})
		_ = Validate(p, testArch())
		_ = Validate(p, Arch{})
		_ = FormatAsm(p)
		_, _ = EncodeBinary(p)
	}
}

func TestValidateReportsAll(t *testing.T) {
	p := validProgram()
	for i := 0; i < 100; i++ {
		p.Code = append([]Instr{{Op: 0xEE, Src: -1}}, p.Code...)
	}
	err := Validate(p, testArch())
	le, ok := AsLoadError(err)
	if !ok || len(le.Problems) != maxProblems || le.More < 50 {
		t.Fatalf("want %d problems and more, got %v", maxProblems, err)
	}
}

// TestValidateTargetMismatchAlone: checked against another target, a
// program's every sub-array and address may be out of range; Validate
// reports the fingerprint mismatch alone, on one line, instead of a flood.
func TestValidateTargetMismatchAlone(t *testing.T) {
	p := validProgram()
	p.TargetFingerprint[1] = 1
	p.Code[2].Args[1] = 16 // also out of range on testArch
	p.Weights[0].Row = 64
	err := Validate(p, testArch())
	var le *LoadError
	if !errors.As(err, &le) || len(le.Problems) != 1 || le.More != 0 {
		t.Fatalf("Validate = %v, want exactly the fingerprint problem", err)
	}
	want := `program does not load: header: program was built for target "test" (fingerprint ab0100000000...), not for target "test" (fingerprint ab0000000000...)`
	if err.Error() != want {
		t.Errorf("error:\n got %q\nwant %q", err, want)
	}
}
