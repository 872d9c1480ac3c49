"""Write onnx_ops.txt: every operator of the default ONNX domain (ai.onnx)
with the opset versions where its schema changed, from Debian's
python3-onnx (ONNX 1.12, opsets up to 17). opsdoc reads it to list every
ONNX op in docs/OPS.md.

usage: /usr/bin/python3 internal/opsdoc/gen_onnx_ops.py > internal/opsdoc/onnx_ops.txt
"""
import onnx
import onnx.defs

ops = {}
for s in onnx.defs.get_all_schemas_with_history():
    if s.domain == "":
        ops.setdefault(s.name, []).append((s.since_version, s.deprecated))
print("# ai.onnx operators and the opsets where their schema changed, from python3-onnx %s" % onnx.__version__)
print("# (internal/opsdoc/gen_onnx_ops.py); \"deprecated\" marks a deprecated last version.")
for name in sorted(ops):
    vs = sorted(ops[name])
    line = "%s %s" % (name, ",".join(str(v) for v, _ in vs))
    if vs[-1][1]:
        line += " deprecated"
    print(line)
