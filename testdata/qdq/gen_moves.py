"""Make small QDQ models whose float data movement sits between
DequantizeLinear and QuantizeLinear (the channel shuffles and splits of
onnxruntime's quantized models), with seeded inputs, below
testdata/qdq/moves in the ONNX backend-test layout (model.onnx,
test_data_set_0/input_0.pb). The test (go test ./backend -run QDQMoves)
compares pimc's rewrite with the imported model on pimc's interpreter, so
no expected outputs are stored. Needs Debian's python3-onnx and
python3-numpy.

- shuffle_equal: two uint8 branches with the scale and zero point (3) of
  the QuantizeLinear ending the shuffle: Concat, Reshape, Transpose,
  Reshape on the codes as they are.
- shuffle_requant: int8 branches (zero points -5 and 2) of other scales
  than the uint8 QuantizeLinear (zero point 128) ending the shuffle, one
  of them so much finer that its codes saturate: each branch requantized
  by a table.
- split_slice: one uint8 input split in two, a Slice on one half and a
  Transpose on the other, both ending in QuantizeLinear of another scale
  and zero point (an encoding shared by two endings).

usage: /usr/bin/python3 testdata/qdq/gen_moves.py
"""
import os

import numpy as np
from onnx import helper

import qdq_save

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moves")
rng = np.random.default_rng(31)


def f32(v):
    return np.array(v, np.float32)


def save(name, nodes, x, inits, out_shape):
    qdq_save.save(HERE, name, nodes, x, inits, out_shape, "pimc testdata/qdq/gen_moves.py")


def shuffle(name, s1, z1, s2, z2, so, zo):
    x = rng.uniform(-1.3, 1.3, size=(1, 4, 5, 5)).astype(np.float32)
    inits = {"s1": f32(s1), "z1": z1, "s2": f32(s2), "z2": z2, "so": f32(so), "zo": zo,
             "half": np.array([1, 2, 2, 5, 5], np.int64), "flat": np.array([1, 4, 5, 5], np.int64),
             "neg": f32(-1.0)}
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s1", "z1"], ["a"]),
        helper.make_node("Mul", ["x", "neg"], ["xn"]),
        helper.make_node("QuantizeLinear", ["xn", "s2", "z2"], ["b"]),
        helper.make_node("DequantizeLinear", ["a", "s1", "z1"], ["af"]),
        helper.make_node("DequantizeLinear", ["b", "s2", "z2"], ["bf"]),
        helper.make_node("Slice", ["af", "st", "en", "ax"], ["as"]),
        helper.make_node("Slice", ["bf", "st", "en", "ax"], ["bs"]),
        helper.make_node("Concat", ["as", "bs"], ["c"], axis=1),
        helper.make_node("Reshape", ["c", "half"], ["r"]),
        helper.make_node("Transpose", ["r"], ["t"], perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["t", "flat"], ["u"]),
        helper.make_node("QuantizeLinear", ["u", "so", "zo"], ["uq"]),
        helper.make_node("DequantizeLinear", ["uq", "so", "zo"], ["y"]),
    ]
    inits.update({"st": np.array([0], np.int64), "en": np.array([2], np.int64), "ax": np.array([1], np.int64)})
    save(name, nodes, x, inits, [1, 4, 5, 5])


def split_slice():
    x = rng.uniform(-0.2, 2.0, size=(1, 4, 6, 6)).astype(np.float32)
    inits = {"s": f32(0.01), "z": np.uint8(10), "so": f32(0.013), "zo": np.uint8(7),
             "st": np.array([1, 0], np.int64), "en": np.array([5, 6], np.int64), "ax": np.array([2, 3], np.int64),
             "sp": np.array([2, 2], np.int64)}
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xf"]),
        helper.make_node("Split", ["xf", "sp"], ["p", "q"], axis=1),
        helper.make_node("Slice", ["p", "st", "en", "ax"], ["ps"]),
        helper.make_node("Transpose", ["q"], ["qt"], perm=[0, 1, 3, 2]),
        helper.make_node("Slice", ["qt", "st", "en", "ax"], ["qs"]),
        helper.make_node("QuantizeLinear", ["ps", "so", "zo"], ["pq"]),
        helper.make_node("QuantizeLinear", ["qs", "so", "zo"], ["qq"]),
        helper.make_node("DequantizeLinear", ["pq", "so", "zo"], ["pf"]),
        helper.make_node("DequantizeLinear", ["qq", "so", "zo"], ["qf"]),
        helper.make_node("Add", ["pf", "qf"], ["y"]),
    ]
    save("split_slice", nodes, x, inits, [1, 2, 4, 6])


shuffle("shuffle_equal", 0.011, np.uint8(3), 0.011, np.uint8(3), 0.011, np.uint8(3))
shuffle("shuffle_requant", 0.009, np.int8(-5), 0.0004, np.int8(2), 0.012, np.uint8(128))
split_slice()
