package passes

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// canonical-stage ends the canonicalize pipeline: it checks that every node
// is legal at the canonical stage (no gemm, batch_norm or other import-only
// op survived the rewrites) and marks the graph canonical. The error lists
// every offending node with its ONNX origin.
func init() {
	Register(&Info{
		Name:     "canonical-stage",
		Summary:  "check that only canonical ops remain and mark the graph canonical",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: ir.StageCanonical,
		New:      func(Options) (Pass, error) { return PassFunc(runCanonicalStage), nil },
	})
	// dce runs before the fusions too: they fold only into values with a
	// single reader, and the cleanups leave dead readers behind (the inner
	// reshape of a merged chain). conv-transpose-lower runs before bn-fold so
	// a batch_norm after a transposed convolution folds into its conv;
	// resize-lower before it, which lowers the conv_transpose it makes.
	// reshape-canon runs again after them: a
	// batch_norm folded into the next fc leaves its flatten reading the
	// batch_norm's input, which may itself be a reshape.
	RegisterPipeline("canonicalize", "float canonicalization: the import stage to the canonical stage",
		"identity-elim,constant-fold,reshape-canon,dce,matmul-canon,hardswish-fuse,resize-lower,conv-transpose-lower,bn-fold,affine-fold,reshape-canon,dce,canonical-stage")
}

func runCanonicalStage(ctx *Context, g *ir.Graph) (bool, error) {
	var bad []string
	for _, n := range g.Nodes {
		info := ir.Lookup(n.Op)
		if info == nil {
			bad = append(bad, fmt.Sprintf("node %s: unknown op", n.Origin()))
			continue
		}
		if ir.StageCanonical < info.FirstStage || ir.StageCanonical > info.LastStage {
			msg := fmt.Sprintf("node %s (ONNX %s): op %s is legal only at stages %s..%s", n.Origin(), n.OnnxOp, n.Op, info.FirstStage, info.LastStage)
			if h := canonicalHints[n.Op]; h != "" {
				msg += " (" + h + ")"
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		return false, fmt.Errorf("%d node(s) cannot be canonicalized:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	if g.Stage == ir.StageCanonical {
		return false, nil
	}
	g.Stage = ir.StageCanonical
	return true, nil
}

// canonicalHints say why the canonicalization passes may have left an
// import-only op behind.
var canonicalHints = map[ir.Op]string{
	ir.OpBatchNorm: "bn-fold needs constant f32/f64 scale, bias, mean and var: bind runtime parameters as constants",
	ir.OpGemm:      "matmul-canon rewrites f32/f64 gemms only",
}
