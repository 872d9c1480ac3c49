package ir

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse. Whatever parses must print, parse
// back to an identical graph and print to the same bytes again; Verify,
// WriteDot and Clone must not panic on it.
func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	small := mnistLike(&testing.T{})
	small.Consts[2].Const.F32 = small.Consts[2].Const.F32[:0] // keep the seed small (invalid but printable)
	small.Consts[2].Type.Shape = []int{0, 10}
	_ = Print(&b, small, PrintOptions{})
	f.Add(b.Bytes())
	if src, err := os.ReadFile(filepath.Join("testdata", "handwritten.pir")); err == nil {
		f.Add(src)
	}
	for seed := range 8 {
		b.Reset()
		_ = Print(&b, randGraph(rand.New(rand.NewPCG(uint64(seed), 42))), PrintOptions{})
		f.Add(append([]byte(nil), b.Bytes()...))
	}
	f.Add([]byte(hdr + "input %x: f32[1]\n%y: f32[1] = relu(%x) {a=floats[], b=ints[], c=tensor(nil), d=tensor(i8[2], [1,-1])}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		g, err := Parse("fuzz.pir", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.pir:") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		var p1 bytes.Buffer
		if err := Print(&p1, g, PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		h, err := Parse("again.pir", p1.Bytes())
		if err != nil {
			t.Fatalf("printed text does not parse: %v\n%s", err, p1.String())
		}
		if d := diffGraphs(g, h); len(d) > 0 {
			t.Fatalf("round trip differs:\n%s\n%s", strings.Join(d, "\n"), p1.String())
		}
		var p2 bytes.Buffer
		_ = Print(&p2, h, PrintOptions{})
		if p1.String() != p2.String() {
			t.Fatalf("printing is not stable:\n%s\nvs\n%s", p1.String(), p2.String())
		}
		_ = Verify(g)
		_ = WriteDot(&bytes.Buffer{}, g)
		_ = Clone(g).String()
	})
}
