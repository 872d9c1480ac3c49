package tensor

// im2colInterior is im2colChannels for a whole image (c0 = 0, cw = oh*ow)
// of a convolution without padding whose windows all lie inside the input
// (every valid convolution, as in LeNet-style networks). Each row of col
// is then oh plain strided copies with no clipping, and the general loop's
// per-segment bookkeeping (valid ranges, zero fills, a memmove call per
// output row) costs more than the copies on small feature maps. It reports
// false, doing nothing, when the conditions do not hold; otherwise col is
// exactly what im2colChannels writes.
func im2colInterior[T floatElem](c conv2D, col, x []T, c0, cw, ch0, ch1 int) bool {
	P := c.oh * c.ow
	if c0 != 0 || cw != P || c.pt != 0 || c.pl != 0 ||
		(c.oh-1)*c.sh+(c.kh-1)*c.dh >= c.h || (c.ow-1)*c.sw+(c.kw-1)*c.dw >= c.w {
		return false
	}
	ow := c.ow
	for ch := ch0; ch < ch1; ch++ {
		xc := x[ch*c.h*c.w : (ch+1)*c.h*c.w]
		for ky := 0; ky < c.kh; ky++ {
			for kx := 0; kx < c.kw; kx++ {
				r := (ch*c.kh+ky)*c.kw + kx
				row := col[r*P : (r+1)*P]
				for oy := 0; oy < c.oh; oy++ {
					src := xc[(oy*c.sh+ky*c.dh)*c.w+kx*c.dw:]
					dst := row[oy*ow : (oy+1)*ow]
					if c.sw == 1 && ow >= 16 {
						copy(dst, src[:ow]) // memmove wins on longer rows
						continue
					}
					if c.sw == 1 {
						src = src[:ow]
						for i := range dst {
							dst[i] = src[i]
						}
						continue
					}
					ix := 0
					for i := range dst {
						dst[i] = src[ix]
						ix += c.sw
					}
				}
			}
		}
	}
	return true
}
