package tensorio

import "github.com/pimc-dev/pimc/ir/tensor"

// halfToFloat32 widens binary16 or bfloat16 bits (exactly).
func halfToFloat32(dt tensor.DType, h uint16) float32 {
	if dt == tensor.BFloat16 {
		return tensor.BF16FromBits(h)
	}
	return tensor.F16FromBits(h)
}

// float32ToHalf narrows to binary16 or bfloat16 bits, ties to even.
func float32ToHalf(dt tensor.DType, f float32) uint16 {
	if dt == tensor.BFloat16 {
		return tensor.BF16Bits(f)
	}
	return tensor.F16Bits(f)
}
