package sim_test

import (
	"fmt"
	"os"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// Example runs testdata/isa/dot.pasm (a 16-element dot product) the way the
// CLI and the compiler's conformance tests do: Load, write inputs, Run, read
// outputs, build the report.
func Example() {
	src, err := os.ReadFile("../testdata/isa/dot.pasm")
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, err := isa.ParseAsm("dot.pasm", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := sim.Load(prog, target.Default()) // Validate + predecode + weight image
	if err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.FromF32([]float32{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}, 1, 16)
	if err := m.WriteInput("x", x); err != nil { // quantized with the port's scale
		fmt.Println(err)
		return
	}
	st, err := m.Run() // a *sim.Fault on a run-time error
	if err != nil {
		fmt.Println(err)
		return
	}
	y, _ := m.ReadOutputRaw("y")
	rep := m.Report(st)
	fmt.Println("y =", y.I64[0])
	fmt.Printf("latency %.0f ns, energy %.4f pJ, %.0f MACs\n", rep.PerInference.LatencyNS, rep.PerInference.Energy.Total, rep.MACs)
	// Output:
	// y = -11
	// latency 33 ns, energy 497.4319 pJ, 16 MACs
}
