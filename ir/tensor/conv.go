package tensor

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// ConvParams are the attributes of a convolution over S spatial axes (S = 1
// or 2): Strides, Dilations and Pads ([begin..., end...], 2*S values), all
// explicit, and Group.
type ConvParams struct {
	Strides   []int
	Pads      []int
	Dilations []int
	Group     int
}

// ConvShape checks a convolution of x [N,C,spatial...] with w
// [F,C/Group,kernel...] and returns the output shape [N,F,out...] with
// out = floor((in + pad_begin + pad_end - ((k-1)*dilation+1)) / stride) + 1.
func ConvShape(x, w []int, p ConvParams) ([]int, error) {
	s := len(x) - 2
	if s < 1 || s > 2 {
		return nil, fmt.Errorf("conv: input must be [N,C,L] or [N,C,H,W], got %s", ShapeString(x))
	}
	if len(w) != len(x) {
		return nil, fmt.Errorf("conv: weight %s must have the rank of input %s", ShapeString(w), ShapeString(x))
	}
	if err := checkWindowParams("conv", s, p.Strides, p.Pads, p.Dilations); err != nil {
		return nil, err
	}
	g := p.Group
	if g < 1 {
		return nil, fmt.Errorf("conv: group must be >= 1, got %d", g)
	}
	if x[1]%g != 0 || w[0]%g != 0 || x[1]/g != w[1] {
		return nil, fmt.Errorf("conv: input %s and weight %s do not fit group %d (want C = group*W[1] and F divisible by group)",
			ShapeString(x), ShapeString(w), g)
	}
	out := []int{x[0], w[0]}
	for i := 0; i < s; i++ {
		o, err := windowOut(x[2+i], w[2+i], p.Strides[i], p.Pads[i], p.Pads[s+i], p.Dilations[i], false)
		if err != nil {
			return nil, fmt.Errorf("conv: spatial axis %d: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// checkWindowParams validates strides, pads and dilations for s spatial axes.
func checkWindowParams(what string, s int, strides, pads, dilations []int) error {
	if len(strides) != s || len(dilations) != s || len(pads) != 2*s {
		return fmt.Errorf("%s: want %d strides, %d dilations and %d pads, got %d, %d and %d",
			what, s, s, 2*s, len(strides), len(dilations), len(pads))
	}
	for i := 0; i < s; i++ {
		if strides[i] < 1 || dilations[i] < 1 {
			return fmt.Errorf("%s: strides %v and dilations %v must be >= 1", what, strides, dilations)
		}
	}
	for _, v := range pads {
		if v < 0 {
			return fmt.Errorf("%s: pads %v must be >= 0", what, pads)
		}
	}
	return nil
}

// windowOut is the output length of a sliding window of kernel k over an
// axis of length in with the given padding, stride and dilation. With
// ceilMode the division rounds up, but (ONNX and PyTorch rule) a last window
// that would start in the end padding is dropped.
func windowOut(in, k, stride, padB, padE, dil int, ceilMode bool) (int, error) {
	if k < 1 {
		return 0, fmt.Errorf("kernel size %d must be >= 1", k)
	}
	span := (k-1)*dil + 1
	total := in + padB + padE
	if total < span {
		return 0, fmt.Errorf("window of %d (kernel %d, dilation %d) is larger than the padded input %d", span, k, dil, total)
	}
	num := total - span
	out := num/stride + 1
	if ceilMode && num%stride != 0 {
		out++
		if (out-1)*stride >= in+padB {
			out--
		}
	}
	return out, nil
}

// conv2D is a convolution normalized to two spatial axes (1-D convs get a
// height of 1).
type conv2D struct {
	n, c, h, w    int // input
	f, kh, kw     int // weight
	oh, ow        int // output
	sh, sw        int
	pt, pl        int // top and left padding (bottom/right only shape the output)
	dh, dw        int
	group, cg, fg int // groups, input and output channels per group
	kdim          int // cg*kh*kw: rows of the im2col matrix
}

func newConv2D(xs, ws, out []int, p ConvParams) conv2D {
	c := conv2D{n: xs[0], c: xs[1], f: ws[0], group: p.Group}
	if len(xs) == 3 {
		c.h, c.w, c.kh, c.kw, c.oh, c.ow = 1, xs[2], 1, ws[2], 1, out[2]
		c.sh, c.sw, c.pt, c.pl, c.dh, c.dw = 1, p.Strides[0], 0, p.Pads[0], 1, p.Dilations[0]
	} else {
		c.h, c.w, c.kh, c.kw, c.oh, c.ow = xs[2], xs[3], ws[2], ws[3], out[2], out[3]
		c.sh, c.sw, c.pt, c.pl, c.dh, c.dw = p.Strides[0], p.Strides[1], p.Pads[0], p.Pads[1], p.Dilations[0], p.Dilations[1]
	}
	c.cg, c.fg = c.c/c.group, c.f/c.group
	c.kdim = c.cg * c.kh * c.kw
	return c
}

// Conv computes dst = conv(x, w) + b (b [F] or nil) for 1-D and 2-D inputs,
// any group count, stride, dilation and explicit asymmetric padding. Float
// types: float32/float16/bfloat16 compute in float32 (narrow types rounded
// at the end), float64 in float64.
//
// Implementation: depthwise convolutions (one input and one output channel
// per group) use a direct loop; everything else is im2col + gemm (Sgemm for
// float32 storage, gonum's Dgemm for float64), as (image, group, column
// tile) jobs: run in parallel when there are at least as many jobs as
// cores, otherwise one at a time with the gemm and im2col split over the
// cores. Each output element is the bias plus the products summed in
// (channel, ky, kx) order whatever the split, so results are the same on
// any number of cores.
func Conv(dst, x, w, b *Tensor, p ConvParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if err := checkStorage("w", w); err != nil {
		return err
	}
	if !x.DType.IsFloat() {
		return fmt.Errorf("conv: want a float input, got %v", x)
	}
	if err := sameType(x.DType, w, b); err != nil {
		return fmt.Errorf("conv: %w", err)
	}
	out, err := ConvShape(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, out); err != nil {
		return fmt.Errorf("conv: %w", err)
	}
	if b != nil {
		if err := checkStorage("bias", b); err != nil {
			return err
		}
		if b.Rank() != 1 || b.Shape[0] != out[1] {
			return fmt.Errorf("conv: bias is %v, want [%d]", b, out[1])
		}
	}
	c := newConv2D(x.Shape, w.Shape, out, p)
	if x.DType == Float64 {
		var bias []float64
		if b != nil {
			bias = b.F64
		}
		convRun(c, dst.F64, x.F64, w.F64, bias, gemmF64)
		return nil
	}
	var bias []float32
	if b != nil {
		bias = b.F32
	}
	convRun(c, dst.F32, x.F32, w.F32, bias, gemmF32)
	RoundToType(x.DType, dst.F32)
	return nil
}

// gemmFunc is gemmF32 or gemmF64.
type gemmFunc[T floatElem] func(workers int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// colBudget bounds the im2col buffer (in elements, 16 MiB of float32):
// larger patch matrices are processed in column tiles. A variable so tests
// can force tiling on small inputs.
var colBudget = 4 << 20

// convRun is the im2col + gemm convolution. Each (image, group, column
// tile) is one job: im2col of the tile, then W_g [fg, kdim] × col [kdim, cw]
// into the output rows. With at least as many jobs as cores, jobs run in
// parallel with a serial gemm each; otherwise they run in turn and the gemm
// itself is split over the cores.
func convRun[T floatElem](c conv2D, d, x, w, bias []T, gemm gemmFunc[T]) {
	if c.cg == 1 && c.fg == 1 {
		convDepthwise(c, d, x, w, bias)
		return
	}
	P := c.oh * c.ow
	pointwise := c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1 && c.pt == 0 && c.pl == 0 && c.oh == c.h && c.ow == c.w
	tiles := 1
	if !pointwise {
		tiles = min(P, max(1, (c.kdim*P+colBudget-1)/colBudget))
	}
	tw := (P + tiles - 1) / tiles
	tiles = (P + tw - 1) / tw
	pw := wideCols(c, tiles)
	jobs := c.n * c.group * tiles
	procs := runtime.GOMAXPROCS(0)
	work := c.fg * c.kdim * tw
	inner := procs // gemm workers when jobs run one after the other
	if jobs >= procs && jobs*work >= minParallelWork {
		inner = 1
	}
	run := func(col []T, j int) {
		t := j % tiles
		g := (j / tiles) % c.group
		n := j / tiles / c.group
		c0 := t * tw
		cw := min(tw, P-c0)
		xg := x[(n*c.c+g*c.cg)*c.h*c.w:]
		dg := d[(n*c.f+g*c.fg)*P+c0:]
		wg := w[g*c.fg*c.kdim:]
		if pw > 0 {
			convWide(c, pw, col, xg, wg, dg, bias[min(len(bias), g*c.fg):], inner, gemm)
			return
		}
		var beta T
		if bias != nil {
			for f := 0; f < c.fg; f++ {
				row := dg[f*P : f*P+cw]
				bv := bias[g*c.fg+f]
				for i := range row {
					row[i] = bv
				}
			}
			beta = 1
		}
		if pointwise {
			gemm(inner, false, false, c.fg, cw, c.kdim, 1, wg, c.kdim, xg[c0:], P, beta, dg, P)
			return
		}
		if inner > 1 {
			im2colParallel(c, col[:c.kdim*cw], xg, c0, cw)
		} else {
			im2col(c, col[:c.kdim*cw], xg, c0, cw)
		}
		gemm(inner, false, false, c.fg, cw, c.kdim, 1, wg, c.kdim, col, cw, beta, dg, P)
	}
	withCol := func(f func(col []T)) {
		if pointwise {
			f(nil)
			return
		}
		buf := getScratch[T](max(c.kdim*tw, (c.kdim+c.fg)*pw))
		f(*buf)
		putScratch(buf)
	}
	if inner > 1 {
		withCol(func(col []T) {
			for j := 0; j < jobs; j++ {
				run(col, j)
			}
		})
		return
	}
	parallelFor(jobs, work, func(lo, hi int) {
		withCol(func(col []T) {
			for j := lo; j < hi; j++ {
				run(col, j)
			}
		})
	})
}

// scratchF32 and scratchF64 recycle im2col buffers across calls, so a
// network's convolutions do not allocate a patch matrix each.
var scratchF32, scratchF64 sync.Pool

// getScratch returns a buffer of length n (contents unspecified).
func getScratch[T floatElem](n int) *[]T {
	pool := &scratchF32
	var z T
	if _, ok := any(z).(float64); ok {
		pool = &scratchF64
	}
	if v, ok := pool.Get().(*[]T); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]T, n)
	return &s
}

func putScratch[T floatElem](buf *[]T) {
	var z T
	if _, ok := any(z).(float64); ok {
		scratchF64.Put(buf)
		return
	}
	scratchF32.Put(buf)
}

// im2col fills col [kdim, cw] with the input patches of output positions
// c0..c0+cw-1 (flattened oy*ow+ox) of one group: row (ch*kh+ky)*kw+kx holds
// x[ch, oy*sh-pt+ky*dh, ox*sw-pl+kx*dw], 0 in the padding.
func im2col[T floatElem](c conv2D, col, x []T, c0, cw int) {
	im2colChannels(c, col, x, c0, cw, 0, c.cg)
}

// im2colParallel is im2col with the channels split over the cores, for
// convolutions whose gemm already runs on all cores one image at a time.
func im2colParallel[T floatElem](c conv2D, col, x []T, c0, cw int) {
	parallelFor(c.cg, c.kh*c.kw*cw, func(lo, hi int) {
		im2colChannels(c, col, x, c0, cw, lo, hi)
	})
}

// im2colChannels fills the rows of channels [ch0, ch1). Along one output
// row the valid input columns form one interval (validRange), so each run
// is a zero fill, a copy (or strided gather) and a zero fill.
func im2colChannels[T floatElem](c conv2D, col, x []T, c0, cw, ch0, ch1 int) {
	if !im2colInterior(c, col, x, c0, cw, ch0, ch1) {
		im2colGeneral(c, col, x, c0, cw, ch0, ch1)
	}
}

// im2colGeneral is im2colChannels for any padding and tile.
func im2colGeneral[T floatElem](c conv2D, col, x []T, c0, cw, ch0, ch1 int) {
	oy0, ox0 := c0/c.ow, c0%c.ow
	for ch := ch0; ch < ch1; ch++ {
		xc := x[ch*c.h*c.w : (ch+1)*c.h*c.w]
		for ky := 0; ky < c.kh; ky++ {
			for kx := 0; kx < c.kw; kx++ {
				r := (ch*c.kh+ky)*c.kw + kx
				row := col[r*cw : (r+1)*cw]
				off := kx*c.dw - c.pl // input column of output column ox is ox*sw+off
				vlo, vhi := validRange(off, c.sw, c.w, c.ow)
				oy, ox := oy0, ox0
				for j := 0; j < cw; {
					run := min(c.ow-ox, cw-j) // the rest of this output row inside the tile
					seg := row[j : j+run]
					iy := oy*c.sh - c.pt + ky*c.dh
					lo, hi := max(vlo, ox), min(vhi, ox+run)
					if iy < 0 || iy >= c.h || lo >= hi {
						clear(seg)
					} else {
						xr := xc[iy*c.w : (iy+1)*c.w]
						clear(seg[:lo-ox])
						dst := seg[lo-ox : hi-ox]
						if c.sw == 1 {
							copy(dst, xr[lo+off:hi+off])
						} else {
							ix := lo*c.sw + off
							for q := range dst {
								dst[q] = xr[ix]
								ix += c.sw
							}
						}
						clear(seg[hi-ox:])
					}
					j += run
					ox += run
					if ox == c.ow {
						ox = 0
						oy++
					}
				}
			}
		}
	}
}

// convDepthwise is the direct convolution for one input and one output
// channel per group. Each output row starts at the bias and accumulates one
// kernel tap at a time over the whole row (a contiguous multiply-add when
// the stride is 1), so every element is the bias plus its in-bounds taps
// in (ky, kx) order.
func convDepthwise[T floatElem](c conv2D, d, x, w, bias []T) {
	P := c.oh * c.ow
	parallelFor(c.n*c.f, P*c.kh*c.kw, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			n, f := j/c.f, j%c.f
			xc := x[(n*c.c+f)*c.h*c.w : (n*c.c+f+1)*c.h*c.w]
			wf := w[f*c.kh*c.kw : (f+1)*c.kh*c.kw]
			dc := d[j*P : (j+1)*P]
			var bv T
			if bias != nil {
				bv = bias[f]
			}
			for oy := 0; oy < c.oh; oy++ {
				row := dc[oy*c.ow : (oy+1)*c.ow]
				for i := range row {
					row[i] = bv
				}
				for ky := 0; ky < c.kh; ky++ {
					iy := oy*c.sh - c.pt + ky*c.dh
					if iy < 0 || iy >= c.h {
						continue
					}
					xr := xc[iy*c.w : (iy+1)*c.w]
					for kx := 0; kx < c.kw; kx++ {
						wv := wf[ky*c.kw+kx]
						off := kx*c.dw - c.pl // input column of output column ox is ox*sw+off
						lo, hi := validRange(off, c.sw, c.w, c.ow)
						if lo >= hi {
							continue
						}
						if c.sw == 1 {
							axpy(wv, xr[lo+off:hi+off], row[lo:hi])
							continue
						}
						for ox := lo; ox < hi; ox++ {
							row[ox] += wv * xr[ox*c.sw+off]
						}
					}
				}
			}
		}
	})
}

// axpy computes y += a*x with gonum's vector routines (SIMD on amd64): a
// multiply then an add per element, the same arithmetic as the plain loop.
// BLAS axpy returns at once when a is 0, but 0*NaN and 0*Inf are NaN, which
// must reach y (a zero weight does not hide a NaN input, as in onnxruntime):
// that case is the plain loop.
func axpy[T floatElem](a T, x, y []T) {
	if a == 0 {
		for i, v := range x {
			y[i] += a * v
		}
		return
	}
	switch x := any(x).(type) {
	case []float32:
		blas32.Implementation().Saxpy(len(x), float32(a), x, 1, any(y).([]float32), 1)
	case []float64:
		blas64.Implementation().Daxpy(len(x), float64(a), x, 1, any(y).([]float64), 1)
	}
}

// validRange returns the output columns [lo, hi) whose input column
// ox*stride+off lies in [0, in), clipped to [0, out).
func validRange(off, stride, in, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if in-1-off < 0 {
		return lo, 0
	}
	hi = min(out, (in-1-off)/stride+1)
	return lo, hi
}
