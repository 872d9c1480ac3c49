package tensor

import "math"

// maxPoolInteriorF32 is float32 max pooling for the common case where every
// window lies inside the input (no padding, no window hanging past the end
// in ceil mode): the general poolLoop looks up each output's taps in
// per-axis tables, which costs more than the compares on the small feature
// maps of LeNet-style networks. Taps are visited in the same order as
// poolLoop (z, y, x) with the same "v > m || v != v" compare, so a NaN
// sticks and the result is bit-identical. It reports false (doing nothing) when the
// window leaves the input somewhere.
func maxPoolInteriorF32(d, x []float32, planes int, ax [3]window3) bool {
	for _, a := range ax {
		if a.padB != 0 || (a.out-1)*a.stride+(a.k-1)*a.dil >= a.in {
			return false
		}
	}
	az, ay, axx := ax[0], ax[1], ax[2]
	inPlane := az.in * ay.in * axx.in
	outPlane := az.out * ay.out * axx.out
	lowest := float32(math.Inf(-1))
	twoByTwo := az.k == 1 && ay.k == 2 && axx.k == 2 && ay.dil == 1 && axx.dil == 1 && axx.stride == 2
	parallelFor(planes, outPlane*az.k*ay.k*axx.k, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp := x[pl*inPlane : (pl+1)*inPlane]
			dp := d[pl*outPlane : (pl+1)*outPlane]
			o := 0
			for oz := 0; oz < az.out; oz++ {
				for oy := 0; oy < ay.out; oy++ {
					if twoByTwo {
						base := (oz*az.stride*ay.in + oy*ay.stride) * axx.in
						r0 := xp[base : base+2*axx.out]
						r1 := xp[base+axx.in : base+axx.in+2*axx.out]
						out := dp[o : o+axx.out]
						for ox := range out {
							m := lowest
							if v := r0[2*ox]; v > m || v != v {
								m = v
							}
							if v := r0[2*ox+1]; v > m || v != v {
								m = v
							}
							if v := r1[2*ox]; v > m || v != v {
								m = v
							}
							if v := r1[2*ox+1]; v > m || v != v {
								m = v
							}
							out[ox] = m
						}
						o += axx.out
						continue
					}
					for ox := 0; ox < axx.out; ox++ {
						m := lowest
						for kz := 0; kz < az.k; kz++ {
							iz := oz*az.stride + kz*az.dil
							for ky := 0; ky < ay.k; ky++ {
								row := xp[(iz*ay.in+oy*ay.stride+ky*ay.dil)*axx.in:]
								ix := ox * axx.stride
								for kx := 0; kx < axx.k; kx++ {
									if v := row[ix]; v > m || v != v { // a NaN sticks
										m = v
									}
									ix += axx.dil
								}
							}
						}
						dp[o] = m
						o++
					}
				}
			}
		}
	})
	return true
}
