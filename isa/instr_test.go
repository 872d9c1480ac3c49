package isa

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGoldenWords pins a few encodings computed by hand from docs/ISA.md §3.
func TestGoldenWords(t *testing.T) {
	cases := []struct {
		in   Instr
		want uint64
	}{
		{NewInstr(OpHalt), 0x0200000000000000},
		// rd=1 at bits 55..51, ra=2 at 50..46, rb=3 at 45..41
		{NewInstr(OpAdd, 1, 2, 3), 0x05<<56 | 1<<51 | 2<<46 | 3<<41},
		// li r31, -1: rd at 55..51, imm32 at 50..19
		{NewInstr(OpLi, 31, -1), 0x04<<56 | 31<<51 | 0xffffffff<<19},
		// jmp 7: target at 55..24
		{NewInstr(OpJmp, 7), 0x10<<56 | 7<<24},
		// bmac [r1+2], 3, [r4+5], a6, 7, neg: 5+14+10+5+10+4+5+1 = 54 bits from 55 down
		{NewInstr(OpBmac, 1, 2, 3, 4, 5, 6, 7, 1), 0x38<<56 | 1<<51 | 2<<37 | 3<<27 | 4<<22 | 5<<12 | 6<<8 | 7<<3 | 1<<2},
		// vrq v1, v2, v3, v4, 63, even, i8 (type = 8 | 1<<6 = 72)
		{NewInstr(OpVrq, 1, 2, 3, 4, 63, int64(RoundEven), int64(MakeIntType(8, true))), 0x4A<<56 | 1<<53 | 2<<50 | 3<<47 | 4<<44 | 63<<38 | 2<<36 | 72<<29},
	}
	for _, c := range cases {
		got, err := c.in.Encode()
		if err != nil {
			t.Fatalf("%v: %v", c.in, err)
		}
		if got != c.want {
			t.Errorf("%v: Encode = %#016x, want %#016x", c.in, got, c.want)
		}
		back, err := Decode(got)
		if err != nil || back != c.in {
			t.Errorf("Decode(%#016x) = %v, %v; want %v", got, back, err, c.in)
		}
	}
}

// extremes returns, for each field, the values to try: both ends of the range
// and a middle value.
func fieldValues(f Field) []int64 {
	switch f.Kind {
	case FType:
		return []int64{int64(MakeIntType(1, false)), int64(MakeIntType(31, false)), int64(MakeIntType(2, true)), int64(MakeIntType(32, true))}
	case FPlanes:
		return []int64{Planes{M: 1, N: 1}.Pack(), Planes{M: MaxPlanes, N: MaxPlanes, XSigned: true}.Pack(), Planes{M: 1, N: 8, PlusMinus: true}.Pack()}
	}
	lo, hi := fieldRange(f)
	return []int64{lo, hi, (lo + hi) / 2}
}

// TestEncodeDecodeAllOps round-trips every opcode with every field at its
// minimum, maximum and middle value.
func TestEncodeDecodeAllOps(t *testing.T) {
	for _, op := range Opcodes() {
		info := op.Info()
		for variant := 0; variant < 4; variant++ {
			in := Instr{Op: op, Src: -1}
			for i, f := range info.Fields {
				vs := fieldValues(f)
				in.Args[i] = vs[variant%len(vs)]
			}
			w, err := in.Encode()
			if err != nil {
				t.Fatalf("%v: Encode: %v", in, err)
			}
			if Opcode(w>>56) != op {
				t.Fatalf("%v: opcode byte %#x", in, w>>56)
			}
			back, err := Decode(w)
			if err != nil {
				t.Fatalf("%v: Decode(%#x): %v", in, w, err)
			}
			if back != in {
				t.Fatalf("round trip: %v -> %#x -> %v", in, w, back)
			}
		}
	}
}

func randInstr(r *rand.Rand, ncode int) Instr {
	ops := Opcodes()
	op := ops[r.IntN(len(ops))]
	in := Instr{Op: op, Src: int32(r.IntN(5)) - 1}
	for i, f := range op.Info().Fields {
		switch f.Kind {
		case FType:
			for {
				t := IntType(r.IntN(128))
				if t.Valid() {
					in.Args[i] = int64(t)
					break
				}
			}
		case FTarget:
			in.Args[i] = int64(r.IntN(max(ncode, 1)))
		case FPlanes:
			pl := Planes{M: 1 + r.IntN(MaxPlanes), N: 1 + r.IntN(MaxPlanes), XSigned: r.IntN(2) == 0}
			if r.IntN(4) == 0 {
				pl.M, pl.PlusMinus = 1, true
			}
			in.Args[i] = pl.Pack()
		default:
			lo, hi := fieldRange(f)
			if r.IntN(4) == 0 {
				in.Args[i] = []int64{lo, hi}[r.IntN(2)]
			} else {
				in.Args[i] = lo + r.Int64N(hi-lo+1)
			}
		}
	}
	return in
}

func TestEncodeDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		in := randInstr(r, 100)
		in.Src = -1
		w, err := in.Encode()
		if err != nil {
			t.Fatalf("%v: %v", in, err)
		}
		back, err := Decode(w)
		if err != nil || back != in {
			t.Fatalf("%v -> %#x -> %v, %v", in, w, back, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		w    uint64
		want string
	}{
		{0, "undefined opcode 0x00"},
		{0xff << 56, "undefined opcode 0xff"},
		{0x0E << 56, "undefined opcode 0x0e"},
		{0x02<<56 | 1, "reserved bits set"},                        // halt with a low bit
		{0x05<<56 | 1<<51 | 1<<40, "reserved bits set"},            // add: bit 40 is below rb
		{0x4A<<56 | 0<<29, "invalid integer type code 0"},          // vrq with type u0
		{0x4A<<56 | int64ToU(33|1<<6)<<29, "invalid integer type"}, // i33
	}
	for _, c := range cases {
		_, err := Decode(c.w)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%#016x) = %v, want error containing %q", c.w, err, c.want)
		}
	}
	if _, err := Decode(0x02<<56 | 1); !errors.Is(err, ErrReservedBits) {
		t.Errorf("reserved-bit error does not wrap ErrReservedBits: %v", err)
	}
	// Exhaustively: every opcode byte with an all-ones payload either decodes
	// to something that re-encodes to the same word, or is rejected.
	for op := 0; op < 256; op++ {
		for _, payload := range []uint64{0, 1<<56 - 1, 0x00aaaaaaaaaaaaaa, 0x0055555555555555} {
			w := uint64(op)<<56 | payload
			in, err := Decode(w)
			if err != nil {
				continue
			}
			back, err := in.Encode()
			if err != nil || back != w {
				t.Fatalf("Decode(%#x) = %v re-encodes to %#x, %v", w, in, back, err)
			}
		}
	}
}

func int64ToU(x int64) uint64 { return uint64(x) }

func TestEncodeRejects(t *testing.T) {
	cases := []struct {
		in   Instr
		want string
	}{
		{Instr{Op: 0x0E}, "undefined opcode"},
		{Instr{Op: OpAdd, Args: [MaxArgs]int64{32, 0, 0}}, "rd = 32 out of range [0, 31]"},
		{Instr{Op: OpLi, Args: [MaxArgs]int64{1, 1 << 31}}, "imm = 2147483648 out of range"},
		{Instr{Op: OpVadd, Args: [MaxArgs]int64{8, 0, 0}}, "vd = 8 out of range [0, 7]"},
		{Instr{Op: OpHalt, Args: [MaxArgs]int64{1}}, "unused operand slot 0"},
		{Instr{Op: OpVrq, Args: [MaxArgs]int64{0, 0, 0, 0, 0, 0, 0}}, "invalid integer type"},
		{Instr{Op: OpBmac, Args: [MaxArgs]int64{0, 0, 1024, 0, 0, 0, 0, 0}}, "rowa = 1024 out of range [0, 1023]"},
	}
	for _, c := range cases {
		_, err := c.in.Encode()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Encode(%v) = %v, want error containing %q", c.in, err, c.want)
		}
	}
}

func TestOpTableUnique(t *testing.T) {
	for _, op := range Opcodes() {
		m := op.Info().Mnemonic
		if got, ok := OpcodeByMnemonic(m); !ok || got != op {
			t.Errorf("OpcodeByMnemonic(%q) = %v, %v", m, got, ok)
		}
		if op.Info().Units == 0 {
			t.Errorf("%v: no unit", op)
		}
	}
	if OpInvalid.Valid() {
		t.Error("opcode 0 must be invalid")
	}
}
