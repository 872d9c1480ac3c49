package passes

import (
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
)

// BenchmarkCanonicalize measures the canonicalize pipeline (with
// verification after every pass, as the CLI runs it) on full ImageNet
// topologies, and reports how many nodes it removes.
func BenchmarkCanonicalize(b *testing.B) {
	root := corpusDir(b)
	for _, net := range []string{"resnet50", "densenet121", "inception_v2"} {
		b.Run(net, func(b *testing.B) {
			g0, err := frontend.Load(filepath.Join(root, "light", "light_"+net+".onnx"), frontend.Options{})
			if err != nil {
				b.Fatal(err)
			}
			p := MustParse("canonicalize")
			var after int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g := ir.Clone(g0)
				if err := NewManager().Run(g, p); err != nil {
					b.Fatal(err)
				}
				after = len(g.Nodes)
			}
			b.ReportMetric(float64(len(g0.Nodes)), "nodes-in")
			b.ReportMetric(float64(after), "nodes-out")
		})
	}
}
