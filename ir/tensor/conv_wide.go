package tensor

// The "wide" convolution: for a valid convolution with unit horizontal
// stride and dilation and unit vertical stride, output pixel (oy, ox) is
// column oy*w+ox of a product whose patch matrix has a contiguous slice of
// the input as each row: row (ch, ky, kx) is x[ch, ky*dh+..][kx+..] read
// straight through, w*oh-(w-ow) elements. Computing the w-ow columns
// between output rows as well (they are discarded) costs a little more
// arithmetic but replaces im2col's oh short copies per row by one long
// copy, which dominates small convolutions such as LeNet's.

// wideMaxExtra bounds the extra columns the wide form computes, as a
// fraction of the output: pw <= P*wideMaxExtra/4. A variable so tests can
// turn the wide form off (0) and compare.
var wideMaxExtra = 6

// wideCols returns the number of columns pw of the wide product, or 0 when
// the wide form does not apply (padding, strides, dilation across a row, a
// tiled patch matrix, or too many discarded columns).
func wideCols(c conv2D, tiles int) int {
	if tiles != 1 || c.pt != 0 || c.pl != 0 || c.sh != 1 || c.sw != 1 || c.dw != 1 || c.kh*c.kw == 1 ||
		(c.oh-1)+(c.kh-1)*c.dh >= c.h || (c.ow-1)+(c.kw-1) >= c.w {
		return 0
	}
	P := c.oh * c.ow
	pw := (c.oh-1)*c.w + c.ow
	if 4*pw > wideMaxExtra*P {
		return 0
	}
	return pw
}

// convWide computes one image and group: buf holds the wide patch matrix
// [kdim, pw] followed by the wide result [fg, pw]; bias (nil or the
// group's biases first) is the initial value of C, as in convRun, so each
// kept element is the same sum as im2col + gemm gives, bit for bit.
func convWide[T floatElem](c conv2D, pw int, buf, xg, wg, dg, bias []T, inner int, gemm gemmFunc[T]) {
	col := buf[:c.kdim*pw]
	tmp := buf[c.kdim*pw : (c.kdim+c.fg)*pw]
	for ch := 0; ch < c.cg; ch++ {
		for ky := 0; ky < c.kh; ky++ {
			for kx := 0; kx < c.kw; kx++ {
				r := (ch*c.kh+ky)*c.kw + kx
				off := ch*c.h*c.w + ky*c.dh*c.w + kx
				copy(col[r*pw:(r+1)*pw], xg[off:off+pw])
			}
		}
	}
	// For float32 the bias is added while compacting the rows: with kdim
	// <= sgemmKC Sgemm makes one pass, so acc + bias rounds exactly like
	// its fma(1, acc, 1*bias) on a C preset to the bias (the im2col path).
	// gonum's float64 Dgemm may accumulate into C, so it keeps the preset.
	_, isF32 := any(bias).([]float32)
	addBias := isF32 && len(bias) > 0 && c.kdim <= sgemmKC
	var beta T
	if len(bias) > 0 && !addBias {
		for f := 0; f < c.fg; f++ {
			row := tmp[f*pw : (f+1)*pw]
			bv := bias[f]
			for i := range row {
				row[i] = bv
			}
		}
		beta = 1
	}
	gemm(inner, false, false, c.fg, pw, c.kdim, 1, wg, c.kdim, col, pw, beta, tmp, pw)
	P := c.oh * c.ow
	for f := 0; f < c.fg; f++ {
		for oy := 0; oy < c.oh; oy++ {
			dst := dg[f*P+oy*c.ow : f*P+(oy+1)*c.ow]
			src := tmp[f*pw+oy*c.w:]
			if !addBias {
				copy(dst, src)
				continue
			}
			src = src[:len(dst)]
			bv := bias[f]
			for i := range dst {
				dst[i] = src[i] + bv
			}
		}
	}
}
