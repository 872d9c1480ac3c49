"""Make small QDQ conv and matmul models (DequantizeLinear of the input
codes and of constant weight and bias codes -> Conv/MatMul ->
QuantizeLinear) and, beside each, the QOperator form of the same codes
(QLinearConv/QLinearMatMul), with seeded inputs, below testdata/qdq/matrix
in the ONNX backend-test layout (model.onnx, test_data_set_0/input_0.pb).
The test (go test ./backend -run QDQMatrix) checks that pimc compiles the
QDQ layer with the model's own weight codes and that its quantized graph
equals the QOperator model on pimc's interpreter, so no expected outputs
are stored. Needs Debian's python3-onnx and python3-numpy.

- conv: uint8 input codes with zero point 77, int8 weights per output
  channel (DequantizeLinear axis 0), an int32 bias of scale
  x_scale*w_scale, pads 1, uint8 output codes with zero point 131.
- matmul: int8 input codes with zero point -3, uint8 weights with a zero
  point of 128 per column (axis 1), int8 output codes with zero point 5.

usage: /usr/bin/python3 testdata/qdq/gen_matrix.py
"""
import os

import numpy as np
from onnx import helper

import qdq_save

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "matrix")
rng = np.random.default_rng(47)


def save(name, nodes, x, inits, out_shape):
    qdq_save.save(HERE, name, nodes, x, inits, out_shape, "pimc testdata/qdq/gen_matrix.py")


def conv():
    x = rng.uniform(-1.0, 2.0, size=(1, 3, 8, 8)).astype(np.float32)
    sx, zx = np.float32(0.012), np.uint8(77)
    sw = rng.uniform(0.002, 0.006, size=4).astype(np.float32)
    w = rng.integers(-127, 128, size=(4, 3, 3, 3)).astype(np.int8)
    b = rng.integers(-3000, 3000, size=4).astype(np.int32)
    sb = (sx * sw).astype(np.float32)
    sy, zy = np.float32(0.05), np.uint8(131)
    inits = {"sx": sx, "zx": zx, "w": w, "sw": sw, "zw": np.zeros(4, np.int8), "b": b, "sb": sb,
             "zb": np.zeros(4, np.int32), "sy": sy, "zy": zy}
    attrs = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    head = [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"])]
    tail = [helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"])]
    qdq = [helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xf"]),
           helper.make_node("DequantizeLinear", ["w", "sw", "zw"], ["wf"], axis=0),
           helper.make_node("DequantizeLinear", ["b", "sb", "zb"], ["bf"], axis=0),
           helper.make_node("Conv", ["xf", "wf", "bf"], ["c"], name="conv", **attrs),
           helper.make_node("QuantizeLinear", ["c", "sy", "zy"], ["yq"])]
    save("conv", head + qdq + tail, x, inits, [1, 4, 8, 8])
    qop = [helper.make_node("QLinearConv", ["xq", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"], ["yq"], name="conv", **attrs)]
    save("conv_qop", head + qop + tail, x, inits, [1, 4, 8, 8])


def matmul():
    x = rng.uniform(-1.0, 1.0, size=(2, 16)).astype(np.float32)
    sx, zx = np.float32(0.009), np.int8(-3)
    sw = rng.uniform(0.003, 0.008, size=5).astype(np.float32)
    zw = np.full(5, 128, np.uint8)
    w = rng.integers(1, 256, size=(16, 5)).astype(np.uint8)
    sy, zy = np.float32(0.02), np.int8(5)
    inits = {"sx": sx, "zx": zx, "w": w, "sw": sw, "zw": zw, "sy": sy, "zy": zy}
    head = [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"])]
    tail = [helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"])]
    qdq = [helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xf"]),
           helper.make_node("DequantizeLinear", ["w", "sw", "zw"], ["wf"], axis=1),
           helper.make_node("MatMul", ["xf", "wf"], ["c"], name="matmul"),
           helper.make_node("QuantizeLinear", ["c", "sy", "zy"], ["yq"])]
    save("matmul", head + qdq + tail, x, inits, [2, 5])
    qop = [helper.make_node("QLinearMatMul", ["xq", "sx", "zx", "w", "sw", "zw", "sy", "zy"], ["yq"], name="matmul")]
    save("matmul_qop", head + qop + tail, x, inits, [2, 5])


conv()
matmul()
