package driver

import (
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/pimrt"
)

// Measured is a compiled model measured on a test set (Measure): one
// column of pimc demo, one point of a sweep over compile settings.
type Measured struct {
	// Quantized holds the quantized reference interpreter's predictions
	// and accuracy, Simulated the program's on the simulator, with its
	// hardware report.
	Quantized, Simulated *evaluate.Result
}

// Measure evaluates a compiled model on test: g as Compile left it on the
// quantized reference interpreter (which ignores the mapping), then res's
// program on the simulator (host ops on the interpreter, pimrt). eval gives
// each evaluation its options (workers, progress) and a func called when it
// ends; what is "quantized interpreter" or "simulator".
func Measure(g *ir.Graph, res *Result, test *data.Dataset, eval func(what string) (evaluate.Options, func())) (*Measured, error) {
	o, done := eval("quantized interpreter")
	quant, err := evaluate.Float(g, test, o)
	done()
	if err != nil {
		return nil, err
	}
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		return nil, err
	}
	o, done = eval("simulator")
	sim, err := evaluate.Program(m, test, o)
	done()
	if err != nil {
		return nil, err
	}
	return &Measured{Quantized: quant, Simulated: sim}, nil
}

// FirstMismatch is the first image on which the simulator's prediction
// differs from the quantized interpreter's, or -1. They must agree: the
// simulator reproduces the interpreter bit for bit, so a difference is a
// bug in pimc.
func (m *Measured) FirstMismatch() int {
	for i := range m.Simulated.Pred {
		if m.Simulated.Pred[i] != m.Quantized.Pred[i] {
			return i
		}
	}
	return -1
}

// WeightBits is the storage of the weight codes on the device: kept
// filters x kept columns x weight bits, summed over the matrix layers (no
// sparsity index).
func (r *Result) WeightBits() int {
	n := 0
	for _, l := range r.Layers {
		n += l.KeptFilters * l.KeptCols * l.M
	}
	return n
}

// MatrixWeights counts the weights of the conv and fc layers of g (the
// constant second operands of conv, gemm and matmul): with 32 bits each,
// the float model's weight storage to compare WeightBits with.
func MatrixWeights(g *ir.Graph) int {
	n := 0
	for _, nd := range g.Nodes {
		switch nd.Op {
		case ir.OpConv, ir.OpGemm, ir.OpMatMul:
			if len(nd.Inputs) > 1 && nd.Inputs[1] != nil && nd.Inputs[1].Const != nil {
				n += nd.Inputs[1].Const.Len()
			}
		}
	}
	return n
}
