package driver

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Input tensors (-i of run and sim, -verify-with of compile) are checked
// against what the model takes before anything runs. The rules:
//
//   - the element type must be the input's;
//   - a tensor of the input's shape, or of that shape with leading
//     dimensions of size 1 added or left out ([1,28,28] for [1,1,28,28]),
//     is one inference;
//   - a tensor [k*n, rest...] for an input [n, rest...] is a batch of k
//     inferences only when the model's batch dimension is dynamic
//     (ir.Value.DynamicBatch) or -batch k says so; -batch k also requires
//     every input to hold exactly k;
//   - anything else is an error naming the file, the input, the shape
//     wanted and the shape given, with a hint when the tensor is the input's
//     image with its channel axis moved (tensor.LayoutHint).
//
// Element counts alone never decide: a 1x3x64x64 tensor is not four
// 1x3x32x32 images.

// BatchRule says how a command takes inputs holding several inferences.
type BatchRule struct {
	N    int    // -batch N: every input holds exactly N inferences; 0: not given
	Flag string // the flag that asks for a batch ("-batch"); "" when the command takes one inference
	One  string // for Flag == "": what takes a single inference, for messages ("-verify-with")
}

// FitInput checks t, read from path, against the graph input in and
// returns the number k of inferences it holds and t shaped [k*n, rest...]
// for in's [n, rest...] (a view sharing t's storage). Errors name path and
// the input.
func FitInput(path string, t *tensor.Tensor, in *ir.Value, rule BatchRule) (*tensor.Tensor, int, error) {
	want := in.Type.Shape
	fail := func(format string, args ...any) (*tensor.Tensor, int, error) {
		return nil, 0, fmt.Errorf("%s: input %q: %s", path, in.Name, fmt.Sprintf(format, args...))
	}
	if t.DType != in.Type.DType {
		return fail("element type %s, want %s (shape %s)", t.DType, in.Type.DType, sh(want))
	}
	k := 0
	switch {
	case tensor.SameShape(trimLeadingOnes(t.Shape), trimLeadingOnes(want)):
		k = 1
	case len(want) > 0 && want[0] >= 1 && t.Rank() == len(want) && t.Shape[0]%want[0] == 0 && tensor.SameShape(t.Shape[1:], want[1:]):
		k = t.Shape[0] / want[0]
		if k == 0 {
			return fail("shape %s holds no inference (dimension 0 is 0), want %s", sh(t.Shape), sh(want))
		}
	default:
		msg := fmt.Sprintf("shape %s, want %s", sh(t.Shape), sh(want))
		if in.DynamicBatch && len(want) > 0 {
			n := "N"
			if want[0] != 1 {
				n = fmt.Sprintf("N*%d", want[0])
			}
			msg += fmt.Sprintf(" (or [%s] for a batch: the model's batch dimension is dynamic)", joinDims(append([]string{n}, dimStrings(want[1:])...)))
		}
		if h := tensor.LayoutHint(t.Shape, want); h != "" {
			msg += ": " + h
		}
		return fail("%s", msg)
	}
	switch {
	case rule.N > 0 && k != rule.N:
		return fail("shape %s holds %d inference(s) of shape %s, %s says %d", sh(t.Shape), k, sh(want), rule.Flag, rule.N)
	case k > 1 && rule.Flag == "":
		return fail("shape %s is a batch of %d inputs of shape %s; %s takes one", sh(t.Shape), k, sh(want), rule.One)
	case k > 1 && rule.N == 0 && !in.DynamicBatch:
		return fail("shape %s is a batch of %d inputs of shape %s, but the model's batch dimension is fixed: pass %s %d to run them one by one", sh(t.Shape), k, sh(want), rule.Flag, k)
	}
	shape := append([]int{}, want...)
	if len(shape) > 0 {
		shape[0] *= k
	}
	if tensor.SameShape(shape, t.Shape) {
		return t, k, nil
	}
	return t.Reshaped(shape...), k, nil
}

// sh prints a shape as [1,3,32,32].
func sh(s []int) string { return tensor.ShapeString(s) }

func trimLeadingOnes(s []int) []int {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

func dimStrings(s []int) []string {
	out := make([]string, len(s))
	for i, d := range s {
		out[i] = fmt.Sprint(d)
	}
	return out
}

func joinDims(s []string) string { return strings.Join(s, ",") }
