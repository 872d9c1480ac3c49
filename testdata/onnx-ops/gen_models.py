"""Make the ONNX operator cases of testdata/onnx-ops that the ONNX node tests
shipped with pimc's corpora lack (opset-18+ Resize attributes, Gelu, Mish,
border Pad with axes, Reduce* with an axes input, ...): one folder per case
with model.onnx and test_data_set_0/input_<i>.pb, in the ONNX backend-test
layout. Expected outputs come from onnxruntime (ort_outputs.js), not from
pimc. Needs Debian's python3-onnx and python3-numpy.

usage: /usr/bin/python3 testdata/onnx-ops/gen_models.py
       NODE_PATH=DIR/node_modules node testdata/onnx-ops/ort_outputs.js testdata/onnx-ops
"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(13)


def case(name, op, inputs, consts, attrs, opset, out_dtype=TensorProto.FLOAT, outputs=("y",)):
    """inputs: name -> array fed at run time; consts: name -> array stored
    as an initializer; attrs["_inputs"], when given, lists the node's inputs
    ('' for an absent optional one)."""
    node_inputs = attrs.pop("_inputs", None) or list(inputs) + list(consts)
    node = helper.make_node(op, node_inputs, list(outputs), **attrs)
    gin = [helper.make_tensor_value_info(n, numpy_helper.from_array(a).data_type, a.shape) for n, a in inputs.items()]
    gout = [helper.make_tensor_value_info(o, out_dtype, None) for o in outputs]
    inits = [numpy_helper.from_array(a, n) for n, a in consts.items() if n]
    g = helper.make_graph([node], name, gin, gout, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="pimc testdata/onnx-ops/gen_models.py")
    m.ir_version = 8
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    for i, (n, a) in enumerate(inputs.items()):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


i64 = lambda *v: np.array(v, dtype=np.int64)
fl = lambda *v: np.array(v, dtype=np.float32)
X = f32(1, 2, 6, 8)

# Resize (opsets 18 and 19): antialias, keep_aspect_ratio_policy, axes,
# half_pixel_symmetric, exclude_outside, tf_crop_and_resize with axes.
case("resize_linear_antialias_scales", "Resize", {"x": X}, {"roi": np.zeros(0, np.float32), "scales": fl(1, 1, 0.6, 0.5)},
     {"mode": "linear", "antialias": 1}, 18)
case("resize_cubic_antialias_sizes", "Resize", {"x": X}, {"sizes": i64(1, 2, 4, 3)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "cubic", "antialias": 1}, 18)
case("resize_linear_antialias_upsample", "Resize", {"x": X}, {"scales": fl(1, 1, 1.5, 2)},
     {"_inputs": ["x", "", "scales"], "mode": "linear", "antialias": 1}, 18)
case("resize_nearest_not_larger_axes", "Resize", {"x": X}, {"sizes": i64(9, 9)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "nearest", "axes": [2, 3], "keep_aspect_ratio_policy": "not_larger"}, 18)
case("resize_linear_not_smaller_axes", "Resize", {"x": X}, {"sizes": i64(3, 3)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "linear", "axes": [2, 3], "keep_aspect_ratio_policy": "not_smaller"}, 18)
case("resize_linear_axes_3_2_sizes", "Resize", {"x": X}, {"sizes": i64(5, 4)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "linear", "axes": [3, 2]}, 18)
case("resize_linear_half_pixel_symmetric", "Resize", {"x": X}, {"scales": fl(1, 1, 0.7, 1.3)},
     {"_inputs": ["x", "", "scales"], "mode": "linear", "coordinate_transformation_mode": "half_pixel_symmetric"}, 19)
case("resize_cubic_exclude_outside_sizes", "Resize", {"x": X}, {"sizes": i64(1, 2, 9, 5)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "cubic", "exclude_outside": 1, "cubic_coeff_a": -0.5}, 18)
case("resize_tf_crop_and_resize_axes", "Resize", {"x": X}, {"roi": fl(0.2, 0.1, 0.9, 1.2), "sizes": i64(4, 5)},
     {"_inputs": ["x", "roi", "", "sizes"], "mode": "linear", "axes": [2, 3], "coordinate_transformation_mode": "tf_crop_and_resize",
      "extrapolation_value": 7.5}, 18)
case("resize_nearest_pytorch_half_pixel_ceil", "Resize", {"x": X}, {"scales": fl(1, 1, 1.7, 0.8)},
     {"_inputs": ["x", "", "scales"], "mode": "nearest", "coordinate_transformation_mode": "pytorch_half_pixel", "nearest_mode": "ceil"}, 13)
case("resize_linear_align_corners_sizes", "Resize", {"x": X}, {"sizes": i64(1, 2, 11, 3)},
     {"_inputs": ["x", "", "", "sizes"], "mode": "linear", "coordinate_transformation_mode": "align_corners"}, 13)
case("resize_nearest_opset10_down", "Resize", {"x": X}, {"scales": fl(1, 1, 0.5, 0.75)}, {"mode": "nearest"}, 10)
case("resize_linear_opset10_up", "Resize", {"x": X}, {"scales": fl(1, 1, 2, 1.5)}, {"mode": "linear"}, 10)
case("upsample_linear_opset9", "Upsample", {"x": X}, {"scales": fl(1, 1, 2, 3)}, {"mode": "linear"}, 9)

# Activations of recent opsets.
A = f32(3, 4, 5) * 3
case("gelu_none", "Gelu", {"x": A}, {}, {}, 20)
case("gelu_tanh", "Gelu", {"x": A}, {}, {"approximate": "tanh"}, 20)
case("mish", "Mish", {"x": A}, {}, {}, 18)
case("softplus_large", "Softplus", {"x": np.concatenate([A.ravel(), fl(-100, 100, 80)])}, {}, {}, 13)
case("layer_norm_axis1_no_bias", "LayerNormalization", {"x": A, "scale": f32(4, 5)}, {}, {"axis": 1, "epsilon": 1e-3}, 17)

# Pad with an axes input (opset 18) in every border mode.
for mode in ("reflect", "edge", "wrap"):
    case("pad_%s_axes" % mode, "Pad", {"x": A}, {"pads": i64(2, 1, 1, 2), "axes": i64(-1, 0)},
         {"_inputs": ["x", "pads", "", "axes"], "mode": mode}, 19)
case("pad_reflect_crop", "Pad", {"x": A}, {"pads": i64(0, -1, 2, 0, 2, -1)}, {"mode": "reflect"}, 13)

# Reductions with an axes input (opset 18) and noop_with_empty_axes.
for op in ("ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"):
    case(op.lower() + "_axes_input", op, {"x": A}, {"axes": i64(0, -1)}, {"keepdims": 0}, 18)
case("reducesum_noop_empty_axes", "ReduceSum", {"x": A}, {"axes": np.zeros(0, np.int64)}, {"noop_with_empty_axes": 1}, 13)

# Comparisons, logic and selection with three-way broadcasting.
B = f32(4, 1)
case("where_broadcast", "Where", {"c": rng.random((3, 1, 5)) > 0.5, "a": f32(4, 5), "b": B}, {}, {}, 16)
case("greater_or_equal_bcast", "GreaterOrEqual", {"a": A, "b": f32(5)}, {}, {}, 16, out_dtype=TensorProto.BOOL)
case("pow_broadcast", "Pow", {"a": np.abs(A) + 0.1, "b": f32(5)}, {}, {}, 15)
case("expand_grow_rank", "Expand", {"x": B}, {"shape": i64(2, 1, 3)}, {}, 13)
case("tile_3d", "Tile", {"x": A}, {"repeats": i64(2, 1, 3)}, {}, 13)
case("argmax_last_index", "ArgMax", {"x": np.round(A)}, {}, {"axis": 1, "select_last_index": 1}, 13, out_dtype=TensorProto.INT64)

# Softmax before opset 13 (the input coerced to 2-D at axis), Split-18's
# num_outputs with a smaller last part, Upsample-7's scales attribute.
S = f32(2, 3, 4, 5)
case("softmax_opset11_axis1_4d", "Softmax", {"x": S}, {}, {"axis": 1}, 11)
case("logsoftmax_opset11_axis_neg2", "LogSoftmax", {"x": S}, {}, {"axis": -2}, 11)
case("softmax_opset13_axis1_4d", "Softmax", {"x": S}, {}, {"axis": 1}, 13)
case("split_num_outputs_uneven", "Split", {"x": f32(2, 7)}, {}, {"axis": 1, "num_outputs": 3}, 18, outputs=("a", "b", "c"))
case("upsample_nearest_opset7", "Upsample", {"x": X}, {}, {"scales": [1.0, 1.0, 2.0, 3.0], "mode": "nearest"}, 7)
case("argmin_keepdims0", "ArgMin", {"x": S}, {}, {"axis": -1, "keepdims": 0}, 13, out_dtype=TensorProto.INT64)
