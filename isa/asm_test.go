package isa

import (
	"strings"
	"testing"
)

func TestParseAsmErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"    bogus r1\n", `t.pasm:1: unknown instruction "bogus"`},
		{strings.Repeat("\x01", 100) + "\n", `t.pasm:1: unknown instruction "` + strings.Repeat(`\x01`, 40) + `"... (100 bytes)`},
		{"    add r1, r2\n", "t.pasm:1: add: want 3 operands, got 2"},
		{"    add r1, r2, x3\n", `t.pasm:1: add: operand 3 (rb): want a register like r0..r31, got "x3"`},
		{"    add r1, r2, r32\n", "want a register like r0..r31"},
		{"    add r01, r2, r3\n", "want a register like r0..r31"},
		{"    li r1, 4294967296\n", "operand imm = 4294967296 out of range"},
		{"    ld r1, r2+3\n", "want an address like [r3+16]"},
		{"    ld r1, [r2+x]\n", "want an address like [r3+16]"},
		{"    vrq v0, v1, v2, v3, 5, nearest, u8\n", "want a rounding mode (up, away, even, floor)"},
		{"    vrq v0, v1, v2, v3, 5, up, u0\n", "bad integer type"},
		{"    shadd [r0+0], a0, 1, minus\n", "want pos or neg"},
		{"    shadd [r0+0], a16, 1, pos\n", "want an accumulator like a0..a15"},
		{"    jmp nowhere\n    halt\n", `t.pasm:1: undefined label "nowhere"`},
		{"    jmp 1x\n", "want a label or an instruction index"},
		{"a:\na:\n    halt\n", `t.pasm:2: label "a" defined twice`},
		{"    halt # @x\n", `source comment "@x"`},
		{".bogus 1\n", "t.pasm:1: unknown directive .bogus"},
		{".data 1 2\n", ".data outside a .const or .dram block"},
		{".const c addr=0 len=3\n.data 1 2\n    halt\n", "t.pasm:1: .const c: len=3 but 2 values given"},
		{".const c addr=0 len=1\n.data 1 2\n", "more values than len=1"},
		{".const c addr=0 len=1\n.data 4294967296\n", "want an integer in [-2147483648, 2147483647]"},
		{".const 1c addr=0 len=1\n", "is not an identifier"},
		{".const c addr=0\n", ".const: want: .const <name> addr=<n> len=<n>"},
		{".source 1 layer=\"a\" node=\"b\" value=\"c\"\n", ".source: index 1 out of order (want 0)"},
		{".source 0 layer=a node=\"b\" value=\"c\"\n", "want a quoted string"},
		{".source 0 layer=\"a\" node=\"b\" colour=\"c\"\n", "missing value="},
		{".source 0 layer=\"a\" node=\"b\" value=\"c\" macs=-1\n", `macs="-1": want an integer in [0, 9223372036854775807]`},
		{".source 0 layer=\"a\" node=\"b\" value=\"c\" flops=3\n", `unknown key "flops"`},
		{".input \"x\" addr=0 shape=1x2 type=u8 scale=1\n", "missing zp="},
		{".input \"x\" addr=0 shape=1x2 type=u8 scale=1 zp=0 extra=1\n", `unknown key "extra"`},
		{".input \"x\" addr=0 shape=1xq type=u8 scale=1 zp=0\n", `shape="q"`},
		{".input \"x\" addr=0 shape=1 type=f32 scale=1 zp=0\n", "bad integer type"},
		{".input \"x\" addr=0 shape=1 type=u8 scale=one zp=0\n", `scale="one": want a number`},
		{".weights sa=0 row=0 src=0 hex=0g\n", "want a non-empty even number of hex digits"},
		{".weights sa=0 row=0 src=0 hex=0g\n", "t.pasm:1:"},
		{".target \"x\" 1234\n", "want 64 hex digits"},
		{".target x\n", "want a quoted string"},
		{".source 0 layer=\"unterminated\n", "unterminated string"},
		{".host pimc-host\n", ".host: text: want a quoted string"},
		{".host \"a\" \"b\"\n", ".host: want one quoted string (the next piece of the host section)"},
		{".targetdesc\n", ".targetdesc: want one quoted string (the next piece of the targetdesc section)"},
		{".targetdesc \"{\\q\"\n", "t.pasm:1: unterminated string"},
	}
	for _, c := range cases {
		_, err := ParseAsm("t.pasm", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseAsm(%q) = %v, want error containing %q", c.src, err, c.want)
		}
	}
}

// TestParseAsmReportsMany: several bad lines are reported at once, each with
// its line number.
func TestParseAsmReportsMany(t *testing.T) {
	_, err := ParseAsm("t.pasm", []byte("    bogus\n    halt\n    add r1\n    jmp nowhere\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"t.pasm:1:", "t.pasm:3:", "t.pasm:4:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestParseAsmSyntaxVariants(t *testing.T) {
	src := "start: ld r1, [r2]\n\tld r1,[5]\n  ld r1, [ r3 - 4 ]\n  li r2, 0x10\n  jmp start # @-1\n halt\n"
	p, err := ParseAsm("t.pasm", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Instr{NewInstr(OpLd, 1, 2, 0), NewInstr(OpLd, 1, 0, 5), NewInstr(OpLd, 1, 3, -4), NewInstr(OpLi, 2, 16), NewInstr(OpJmp, 0), NewInstr(OpHalt)}
	for i := range want {
		if p.Code[i] != want[i] {
			t.Errorf("code[%d] = %v, want %v", i, p.Code[i], want[i])
		}
	}
	if len(p.Symbols) != 1 || p.Symbols[0] != (Symbol{"start", 0}) {
		t.Errorf("symbols %v", p.Symbols)
	}
}

// TestAsmOpaqueSections: the host section and the target description print
// as one quoted .host / .targetdesc line per line of text and parse back to
// the same bytes, whatever they hold ('#', quotes, CR, invalid UTF-8, no
// final newline).
func TestAsmOpaqueSections(t *testing.T) {
	p := validProgram()
	p.Host = []byte("pimc-host 1\nsegment 0 in \"x#1\" out \"y\"\r\n\xff\x00tail")
	p.TargetDesc = []byte("{\n  \"name\": \"big # 2\",\n  \"description\": \"\\u00e9\"\n}\n")
	text := FormatAsm(p)
	for _, want := range []string{
		`.host "pimc-host 1\n"`, `.host "segment 0 in \"x#1\" out \"y\"\r\n"`, `.host "\xff\x00tail"`,
		`.targetdesc "{\n"`, `.targetdesc "  \"name\": \"big # 2\",\n"`, "# compiled model: device code, plus its host graph",
	} {
		if !strings.Contains(string(text), want+"\n") && !strings.Contains(string(text), want) {
			t.Errorf("printed program lacks %s:\n%s", want, text)
		}
	}
	back, err := ParseAsm("t.pasm", text)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Host) != string(p.Host) || string(back.TargetDesc) != string(p.TargetDesc) {
		t.Fatalf("round trip: host %q, desc %q", back.Host, back.TargetDesc)
	}
}
