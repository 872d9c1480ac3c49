package ir

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Normalization and pooling ops of ONNX beyond op.go's: layer
// normalization and the index output of max pooling.
const (
	OpLayerNorm      Op = "layer_norm"       // (x, scale, bias?) {axis, epsilon} -> y, mean?, inv_std_dev?
	OpMaxPoolIndices Op = "max_pool_indices" // (x) {max_pool's attributes, storage_order} -> i64 flat index of each window's maximum
)

func registerNormExtOps() {
	Register(&OpInfo{Op: OpLayerNorm, Summary: "layer normalization over the axes from axis on", MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 3,
		Attrs: []AttrSpec{{Name: "axis", Kind: AttrInt, Required: true, Doc: "first normalized axis"},
			{Name: "epsilon", Kind: AttrFloat, Doc: "default 1e-5"}},
		Infer: inferLayerNorm, LastStage: StageCanonical})
	pool := *Lookup(OpMaxPool)
	pool.Op, pool.Summary = OpMaxPoolIndices, "flat input index of each max pooling window's maximum (i64)"
	pool.Attrs = append(append([]AttrSpec{}, pool.Attrs...), AttrSpec{Name: "storage_order", Kind: AttrInt, Doc: "1: column-major spatial index"})
	pool.Infer = inferMaxPoolIndices
	Register(&pool)
}

func inferLayerNorm(n *Node) ([]Type, error) {
	x, err := floatIn(n, 0)
	if err != nil {
		return nil, err
	}
	axis := int(n.Int("axis", -1))
	stat, err := tensor.LayerNormShapes(x.Shape, axis)
	if err != nil {
		return nil, err
	}
	norm := x.Shape[axis:]
	for i := 1; i < len(n.Inputs); i++ {
		t, err := in(n, i)
		if i == 2 && n.Input(2) == nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := sameDType(x, t, fmt.Sprintf("input %d", i)); err != nil {
			return nil, err
		}
		if b, err := BroadcastShapes(norm, t.Shape); err != nil || !tensor.SameShape(b, norm) {
			return nil, fmt.Errorf("input %d %s does not broadcast to the normalized shape %s", i, t, tensor.ShapeString(norm))
		}
	}
	out := []Type{x}
	for i := 1; i < len(n.Outputs); i++ {
		out = append(out, typ(x.DType, stat))
	}
	return out, nil
}

func inferMaxPoolIndices(n *Node) ([]Type, error) {
	t, err := inferPool(n)
	if err != nil {
		return nil, err
	}
	t[0].DType = tensor.Int64
	return t, nil
}
