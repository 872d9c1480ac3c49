package ir

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// benchGraph has one million float weights: the size of a small CNN.
func benchGraph() *Graph {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, 1<<20)
	for i := range data {
		data[i] = float32(r.NormFloat64() * 0.05)
	}
	g := &Graph{Name: "bench"}
	x := &Value{Name: "x", Type: Type{DType: tensor.Float32, Shape: []int{1, 1024}}}
	g.Inputs = []*Value{x}
	w := g.AddConst("w", tensor.FromF32(data, 1024, 1024))
	n := &Node{Op: OpMatMul, Inputs: []*Value{x, w}}
	n.Outputs = []*Value{{Type: Type{DType: tensor.Float32, Shape: []int{1, 1024}}, Def: n}}
	g.Nodes = []*Node{n}
	g.Outputs = n.Outputs
	return g
}

func BenchmarkPrint(b *testing.B) {
	g := benchGraph()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Print(&buf, g, PrintOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(1<<20), "ns/elem")
}

func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	if err := Print(&buf, benchGraph(), PrintOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Parse("bench.pir", buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(1<<20), "ns/elem")
}
