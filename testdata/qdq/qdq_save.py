"""The ONNX backend-test layout the qdq generators write (gen_models.py,
gen_moves.py, gen_matrix.py): DIR/NAME/model.onnx (one float input x, one
output y, opset 13, IR version 8) and DIR/NAME/test_data_set_0/input_0.pb."""
import os

from onnx import TensorProto, helper, numpy_helper


def save(here, name, nodes, x, inits, out_shape, producer, out_type=TensorProto.FLOAT, ms=False):
    """Write the model of nodes and initializers inits (name -> array) with
    input x below here/name; ms adds the com.microsoft opset."""
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                          [helper.make_tensor_value_info("y", out_type, out_shape)],
                          [numpy_helper.from_array(a, n) for n, a in inits.items()])
    ops = [helper.make_opsetid("", 13)] + ([helper.make_opsetid("com.microsoft", 1)] if ms else [])
    m = helper.make_model(g, opset_imports=ops, producer_name=producer)
    m.ir_version = 8
    d = os.path.join(here, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    with open(os.path.join(d, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
