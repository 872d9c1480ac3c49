package isa

import (
	"io"
	"math/rand/v2"
	"testing"
)

// bigProgram is a 200k-instruction program with 4k weight rows, the size of a
// small compressed CNN.
func bigProgram() *Program {
	r := rand.New(rand.NewPCG(13, 14))
	p := &Program{TargetName: "bench", Sources: []Source{{Layer: "conv1", Node: "Conv_0", Value: "y"}}}
	for range 200_000 {
		in := randInstr(r, 200_000)
		in.Src = 0
		p.Code = append(p.Code, in)
	}
	for i := range 4096 {
		p.Weights = append(p.Weights, WeightRow{Subarray: uint32(i / 256), Row: uint32(i % 256), Bits: make([]byte, 32)})
	}
	return p
}

func BenchmarkEncodeBinary(b *testing.B) {
	p := bigProgram()
	b.ResetTimer()
	for b.Loop() {
		if _, err := EncodeBinary(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Code))*float64(b.N)/b.Elapsed().Seconds(), "instr/s")
}

func BenchmarkDecodeBinary(b *testing.B) {
	data, err := EncodeBinary(bigProgram())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := DecodeBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAsm(b *testing.B) {
	text := FormatAsm(bigProgram())
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseAsm("bench.pasm", text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	p := bigProgram()
	a := testArch()
	b.ResetTimer()
	for b.Loop() {
		_ = Validate(p, a)
	}
}

// BenchmarkPrintAsm streams the assembly of a 200k-instruction program to
// io.Discard: the allocations per op stay a few hundred KiB whatever the
// program size (the text is 10 MB; FormatAsm would hold all of it).
func BenchmarkPrintAsm(b *testing.B) {
	p := bigProgram()
	var n countingWriter
	if err := PrintAsm(&n, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := PrintAsm(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Code))*float64(b.N)/b.Elapsed().Seconds(), "instr/s")
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
