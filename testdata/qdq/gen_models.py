"""Make small quantized ONNX models (onnxruntime's QOperator form) with
their inputs, in the ONNX backend-test layout below testdata/qdq/cases:
model.onnx and test_data_set_0/input_0.pb. Expected outputs come from
onnxruntime (ort_outputs.js of testdata/onnx-ops), not from pimc. Weights,
scales and inputs are seeded random numbers. Needs Debian's python3-onnx
and python3-numpy.

- qop_symmetric: every zero point 0 (int8 activations; onnxruntime's
  QLinearConv wants y of x's type), per-channel int8 weights in [-127, 127]: QuantizeLinear,
  QLinearConv, MaxPool and Reshape on codes, QLinearMatMul,
  DequantizeLinear. pimc compiles its matrix layers onto the sub-arrays
  with the model's scales (docs/QUANT.md section 11).
- qop_asymmetric: uint8 activations with zero points, per-channel weight
  zero points, com.microsoft.QLinearAdd with broadcasting: its weights less
  their zero points leave [-127, 127], so pimc keeps it on the host.
- qop_zero_points: every zero point nonzero where ONNX allows one: uint8
  activations (QuantizeLinear with zero point 77), a padded QLinearConv
  with uint8 per-channel weight zero points (w - wz in [-127, 127]) and an
  output zero point, a strided QLinearConv reading it, MaxPool on codes, a
  QLinearMatMul with a uint8 weight zero point: pimc compiles all three
  matrix layers onto the sub-arrays (docs/QUANT.md section 11). Its own
  seeded generator, so the cases above stay byte-identical.
- contrib_qlinear_{mul,sigmoid,leaky_relu,global_average_pool,concat}:
  onnxruntime's other quantized contrib ops between QuantizeLinear and
  DequantizeLinear (uint8 with zero points; interpreter only).

usage: /usr/bin/python3 testdata/qdq/gen_models.py
       NODE_PATH=DIR/node_modules node testdata/onnx-ops/ort_outputs.js testdata/qdq/cases
"""
import os

import numpy as np
from onnx import TensorProto, helper

import qdq_save

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
rng = np.random.default_rng(21)


def save(name, nodes, x, inits, out_type, out_shape, ms=False):
    qdq_save.save(HERE, name, nodes, x, inits, out_shape, "pimc testdata/qdq/gen_models.py", out_type, ms)


def weights(*shape):
    return rng.integers(-127, 128, size=shape).astype(np.int8)


def scales(n, lo, hi):
    return rng.uniform(lo, hi, size=n).astype(np.float32)


f32 = lambda v: np.array(v, dtype=np.float32)
i8 = lambda v: np.array(v, dtype=np.int8)
u8 = lambda v: np.array(v, dtype=np.uint8)
i32 = lambda *shape: rng.integers(-2000, 2000, size=shape).astype(np.int32)


def qop_symmetric():
    x = rng.uniform(-1, 1, size=(1, 3, 8, 8)).astype(np.float32)
    inits = {
        "xs": f32(0.008), "z8": i8(0),
        "w1": weights(8, 3, 3, 3), "w1s": scales(8, 0.002, 0.02), "w1z": np.zeros(8, np.int8), "y1s": f32(0.05), "b1": i32(8),
        "w2": weights(4, 8, 3, 3), "w2s": scales(4, 0.001, 0.01), "w2z": np.zeros(4, np.int8), "y2s": f32(0.04), "b2": i32(4),
        "shape": np.array([1, 64], np.int64),
        "w3": weights(64, 10), "w3s": f32(0.004), "y3s": f32(0.3),
    }
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "z8"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "xs", "z8", "w1", "w1s", "w1z", "y1s", "z8", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["c1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("QLinearConv", ["p1", "y1s", "z8", "w2", "w2s", "w2z", "y2s", "z8", "b2"], ["c2"], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Reshape", ["c2", "shape"], ["r2"]),
        helper.make_node("QLinearMatMul", ["r2", "y2s", "z8", "w3", "w3s", "z8", "y3s", "z8"], ["m3"]),
        helper.make_node("DequantizeLinear", ["m3", "y3s", "z8"], ["y"]),
    ]
    save("qop_symmetric", nodes, x, inits, TensorProto.FLOAT, [1, 10])


def qop_asymmetric():
    x = rng.uniform(-0.5, 1.5, size=(1, 4, 6, 6)).astype(np.float32)
    inits = {
        "xs": f32(0.01), "xz": u8(50),
        "w1": rng.integers(0, 256, size=(6, 4, 3, 3)).astype(np.uint8), "w1s": scales(6, 0.001, 0.004),
        "w1z": rng.integers(100, 156, size=6).astype(np.uint8), "y1s": f32(0.06), "y1z": u8(120), "b1": i32(6),
        "bias": rng.integers(0, 256, size=(6, 1, 1)).astype(np.uint8), "bs": f32(0.02), "bz": u8(128),
        "as": f32(0.07), "az": u8(30),
    }
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "xs", "xz", "w1", "w1s", "w1z", "y1s", "y1z", "b1"], ["c1"], pads=[1, 0, 1, 2], strides=[1, 2]),
        helper.make_node("QLinearAdd", ["c1", "y1s", "y1z", "bias", "bs", "bz", "as", "az"], ["a1"], domain="com.microsoft"),
        helper.make_node("DequantizeLinear", ["a1", "as", "az"], ["y"]),
    ]
    save("qop_asymmetric", nodes, x, inits, TensorProto.FLOAT, [1, 6, 6, 3], ms=True)


def contrib(name, op, extra_inputs, attrs, x_shape=(2, 5, 6, 7), out_shape=None, y_type=TensorProto.FLOAT):
    """x -> QuantizeLinear (uint8, zero point 100) -> com.microsoft op ->
    DequantizeLinear (scale ys, zero point 90) -> y."""
    x = rng.uniform(-1.5, 2.5, size=x_shape).astype(np.float32)
    inits = {"xs": f32(0.017), "xz": u8(100), "ys": f32(0.013), "yz": u8(90)}
    ins = ["xq", "xs", "xz"]
    for n, a in extra_inputs:
        if n in ("xq", "xs", "xz", "ys", "yz"):
            ins.append(n)
            continue
        inits[n] = a
        ins.append(n)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node(op, ins, ["c"], domain="com.microsoft", **attrs),
        helper.make_node("DequantizeLinear", ["c", "ys", "yz"], ["y"]),
    ]
    save(name, nodes, x, inits, y_type, out_shape or list(x_shape), ms=True)


qop_symmetric()
qop_asymmetric()

# onnxruntime's other quantized contrib ops (issue 13 item 3 lists them).
contrib("contrib_qlinear_mul", "QLinearMul", [("b", rng.integers(0, 256, size=(5, 1, 7)).astype(np.uint8)), ("bs", f32(0.006)), ("bz", u8(131)), ("ys", None), ("yz", None)], {})
contrib("contrib_qlinear_sigmoid", "QLinearSigmoid", [("ys", None), ("yz", None)], {})
contrib("contrib_qlinear_leaky_relu", "QLinearLeakyRelu", [("ys", None), ("yz", None)], {"alpha": 0.13})
contrib("contrib_qlinear_global_average_pool", "QLinearGlobalAveragePool", [("ys", None), ("yz", None)], {"channels_last": 0}, out_shape=[2, 5, 1, 1])


def qlinear_concat():
    """Three uint8 inputs, two requantized, one already at y's scale."""
    x = rng.uniform(-1.5, 2.5, size=(1, 3, 4, 5)).astype(np.float32)
    inits = {"xs": f32(0.017), "xz": u8(100), "ys": f32(0.013), "yz": u8(90),
             "b": rng.integers(0, 256, size=(1, 2, 4, 5)).astype(np.uint8), "bs": f32(0.009), "bz": u8(7),
             "c": rng.integers(0, 256, size=(1, 1, 4, 5)).astype(np.uint8)}
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConcat", ["ys", "yz", "xq", "xs", "xz", "b", "bs", "bz", "c", "ys", "yz"], ["q"], axis=-3, domain="com.microsoft"),
        helper.make_node("DequantizeLinear", ["q", "ys", "yz"], ["y"]),
    ]
    save("contrib_qlinear_concat", nodes, x, inits, TensorProto.FLOAT, [1, 6, 4, 5], ms=True)


qlinear_concat()


def qop_zero_points():
    r = np.random.default_rng(22)
    x = r.uniform(-0.6, 1.4, size=(1, 3, 8, 8)).astype(np.float32)
    w1z = r.integers(100, 151, size=8).astype(np.uint8)
    w1 = (w1z.reshape(8, 1, 1, 1).astype(np.int64) + r.integers(-127, 128, size=(8, 3, 3, 3))).clip(0, 255).astype(np.uint8)
    w3 = r.integers(1, 256, size=(16, 10)).astype(np.uint8)  # w - 128 in [-127, 127]
    inits = {
        "xs": f32(0.008), "xz": u8(77),
        "w1": w1, "w1s": r.uniform(0.002, 0.02, size=8).astype(np.float32), "w1z": w1z,
        "y1s": f32(0.05), "y1z": u8(131), "b1": r.integers(-2000, 2000, size=8).astype(np.int32),
        "w2": r.integers(-127, 128, size=(4, 8, 3, 3)).astype(np.int8), "w2s": r.uniform(0.001, 0.01, size=4).astype(np.float32),
        "w2z": np.zeros(4, np.int8), "y2s": f32(0.04), "y2z": u8(10), "b2": r.integers(-2000, 2000, size=4).astype(np.int32),
        "shape": np.array([1, 16], np.int64),
        "w3s": f32(0.004), "w3z": u8(128), "y3s": f32(0.3), "y3z": u8(100),
        "w3": w3,
    }
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "xs", "xz", "w1", "w1s", "w1z", "y1s", "y1z", "b1"], ["c1"], pads=[1, 0, 1, 2]),
        helper.make_node("QLinearConv", ["c1", "y1s", "y1z", "w2", "w2s", "w2z", "y2s", "y2z", "b2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("MaxPool", ["c2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["p2", "shape"], ["r2"]),
        helper.make_node("QLinearMatMul", ["r2", "y2s", "y2z", "w3", "w3s", "w3z", "y3s", "y3z"], ["m3"]),
        helper.make_node("DequantizeLinear", ["m3", "y3s", "y3z"], ["y"]),
    ]
    save("qop_zero_points", nodes, x, inits, TensorProto.FLOAT, [1, 10])


qop_zero_points()
