package hostile

import (
	"strconv"
	"strings"
)

// The .pir texts below have the shape of the ONNX models (a tiny input x,
// a large value %big, Add_0, GlobalAveragePool_0, a tiny output y), written
// directly in pimc's IR text format (docs/PIR.md); {n} stands for n.
const pirTail = `%s: f32[1,1,{n},{n}] = add(%big, %x) @"Add_0":Add
%y: f32[1,1,1,1] = global_avg_pool(%s) @"GlobalAveragePool_0":GlobalAveragePool
output %y
`

const pirHead = `pir 1
graph "hostile" stage=import opset=13
input %x: f32[1,1,1,1]
`

// PIRConstant declares a constant %big: f32[1,1,n,n] but writes a single
// element for it: the text promises 4n² bytes it does not hold.
func PIRConstant(n int64) []byte {
	return pirText(pirHead+"const %big: f32[1,1,{n},{n}] = [0]\n"+pirTail, n)
}

// PIRConstantOfShape computes %big: f32[1,1,n,n] with a constant_of_shape
// node (ConstantOfShape_0) from a 4-element shape constant.
func PIRConstantOfShape(n int64) []byte {
	return pirText(pirHead+"const %shape: i64[4] = [1, 1, {n}, {n}]\n"+
		`%big: f32[1,1,{n},{n}] = constant_of_shape(%shape) {value=tensor(f32[1], [1])} @"ConstantOfShape_0":ConstantOfShape`+"\n"+
		pirTail, n)
}

func pirText(template string, n int64) []byte {
	return []byte(strings.ReplaceAll(template, "{n}", strconv.FormatInt(n, 10)))
}
