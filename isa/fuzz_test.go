package isa

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// seedPrograms are the hand-written test programs plus a few random ones.
func seedPrograms(f *testing.F) []*Program {
	var ps []*Program
	files, _ := filepath.Glob("../testdata/isa/*.pasm")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		p, err := ParseAsm(name, src)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 5 {
		ps = append(ps, randProgram(r))
	}
	// A compiled model's opaque sections: host graph (v1.1) and target
	// description (v1.4).
	self := validProgram()
	self.Host = []byte("pimc-host 1\ngraph-inputs 1\ngraph-outputs 1\nsegment 0 in \"x\" out \"y\"\npir\npir 1\n")
	self.TargetDesc = []byte("{\n  \"name\": \"test\",\n  \"geometry\": {\"rows\": {\"value\": 64, \"provenance\": \"#1\"}}\n}\n")
	return append(ps, validProgram(), self)
}

// FuzzDecode: DecodeBinary never panics; what it accepts re-encodes to a file
// that decodes to the same program, and Validate and the printer accept it
// without panicking.
func FuzzDecode(f *testing.F) {
	for _, p := range seedPrograms(f) {
		b, err := EncodeBinary(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeBinary(data)
		if err != nil {
			return
		}
		b1, err := EncodeBinary(p)
		if err != nil {
			t.Fatalf("decoded program does not encode: %v", err)
		}
		p2, err := DecodeBinary(b1)
		if err != nil {
			t.Fatalf("re-encoded program does not decode: %v", err)
		}
		b2, err := EncodeBinary(p2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("encode(decode(encode(p))) differs: %v", err)
		}
		_ = Validate(p, testArch())
		_ = FormatAsm(p)
	})
}

// FuzzParseAsm: ParseAsm never panics; what it accepts prints to text that
// parses back to the same program (compared through a second printing, so
// NaN scales compare equal).
func FuzzParseAsm(f *testing.F) {
	for _, p := range seedPrograms(f) {
		f.Add(FormatAsm(p))
	}
	f.Add([]byte("loop: bmac [r1+2], 3, [r4-5], a0, 3, neg # @0\n jmp loop\n"))
	f.Add([]byte(".const c addr=3 len=2\n.data 1\n.data 2\n"))
	f.Add([]byte(".targetdesc \"{\\n\"\n.host \"pimc-host 1\\n\" # c\n.targetdesc \"}\"\n.host \"\\xff\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParseAsm("fuzz.pasm", src)
		if err != nil {
			return
		}
		text := FormatAsm(p)
		p2, err := ParseAsm("printed.pasm", text)
		if err != nil {
			t.Fatalf("printed program does not parse: %v\n%s", err, text)
		}
		if text2 := FormatAsm(p2); !bytes.Equal(text, text2) {
			t.Fatalf("print(parse(print(p))) != print(p):\n%s\n---\n%s", text, text2)
		}
		_ = Validate(p, testArch())
		if b, err := EncodeBinary(p); err == nil {
			if _, err := DecodeBinary(b); err != nil {
				t.Fatalf("encoded parsed program does not decode: %v", err)
			}
		}
	})
}
