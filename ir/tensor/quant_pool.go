package tensor

import "fmt"

// Integer pooling and element-wise ops of the quantized stage (max pooling
// needs nothing new: MaxPool is exact on integers).

// QAvgPool computes integer average pooling: for every window the exact sum
// S of the input codes inside the input and the divisor n (elements inside
// the input, or with CountIncludePad inside the padded input, as AvgPool),
// then Requant(S, 0, AvgMultiplier(n, shift), shift, mode, lo, hi). Output
// and input share one scale. dst is an integer tensor of PoolShape.
func QAvgPool(dst, x *Tensor, p PoolParams, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("qavg_pool x", x); err != nil {
		return err
	}
	out, err := PoolShape(x.Shape, p)
	if err != nil {
		return err
	}
	if err := checkIntDst("qavg_pool", dst, out); err != nil {
		return err
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	if shift > 61 {
		return fmt.Errorf("qavg_pool: shift %d outside 0..61", shift)
	}
	if err := checkQOperands("qavg_pool", x); err != nil {
		return err
	}
	ax := poolAxes(x.Shape, out, p)
	planes := x.Shape[0] * x.Shape[1]
	inPlane := ax[0].in * ax[1].in * ax[2].in
	outPlane := ax[0].out * ax[1].out * ax[2].out
	mults := map[int]int64{}
	mult := func(n int) int64 {
		m, ok := mults[n]
		if !ok {
			m = AvgMultiplier(n, shift)
			mults[n] = m
		}
		return m
	}
	for pl := 0; pl < planes; pl++ {
		xp := x.I64[pl*inPlane : (pl+1)*inPlane]
		dp := dst.I64[pl*outPlane : (pl+1)*outPlane]
		o := 0
		for oz := 0; oz < ax[0].out; oz++ {
			sz, z0, z1, pz := ax[0].taps(oz)
			for oy := 0; oy < ax[1].out; oy++ {
				sy, y0, y1, py := ax[1].taps(oy)
				for ox := 0; ox < ax[2].out; ox++ {
					sx, x0, x1, px := ax[2].taps(ox)
					var sum int64
					for tz := z0; tz < z1; tz++ {
						iz := sz + tz*ax[0].dil
						for ty := y0; ty < y1; ty++ {
							row := xp[(iz*ax[1].in+sy+ty*ax[1].dil)*ax[2].in:]
							for tx := x0; tx < x1; tx++ {
								sum += row[sx+tx*ax[2].dil]
							}
						}
					}
					cnt := (z1 - z0) * (y1 - y0) * (x1 - x0)
					if p.CountIncludePad {
						cnt = pz * py * px
					}
					if cnt < 1 {
						cnt = 1 // unreachable: PoolShape rejects windows made of padding only
					}
					dp[o] = Requant(sum, 0, mult(cnt), shift, mode, lo, hi)
					o++
				}
			}
		}
	}
	return nil
}

// QGlobalAvgPool is QAvgPool with one window covering all spatial axes.
func QGlobalAvgPool(dst, x *Tensor, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("qglobal_avg_pool x", x); err != nil {
		return err
	}
	out, err := GlobalPoolShape(x.Shape)
	if err != nil {
		return err
	}
	if err := checkIntDst("qglobal_avg_pool", dst, out); err != nil {
		return err
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	if shift > 61 {
		return fmt.Errorf("qglobal_avg_pool: shift %d outside 0..61", shift)
	}
	if err := checkQOperands("qglobal_avg_pool", x); err != nil {
		return err
	}
	planes := x.Shape[0] * x.Shape[1]
	cnt := NumElems(x.Shape[2:])
	if cnt == 0 {
		return fmt.Errorf("qglobal_avg_pool: empty spatial extent %s", ShapeString(x.Shape))
	}
	m := AvgMultiplier(cnt, shift)
	for pl := 0; pl < planes; pl++ {
		var sum int64
		for _, v := range x.I64[pl*cnt : (pl+1)*cnt] {
			sum += v
		}
		dst.I64[pl] = Requant(sum, 0, m, shift, mode, lo, hi)
	}
	return nil
}

// QRescale is the requantization of one input of qadd or qconcat:
// Requant(x, 0, mult, shift, mode, lo, hi) element-wise into dst.
func QRescale(dst, x *Tensor, mult int64, shift uint, mode RoundMode, lo, hi int64) error {
	if err := checkIntIn("rescale x", x); err != nil {
		return err
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	if mult < -1<<31 || mult > 1<<31-1 {
		return fmt.Errorf("rescale: multiplier %d outside int32", mult)
	}
	if err := checkIntDst("rescale", dst, x.Shape); err != nil {
		return err
	}
	for i, v := range x.I64 {
		dst.I64[i] = Requant(v, 0, mult, shift, mode, lo, hi)
	}
	return nil
}

// QAdd is the residual add of the ISA (§3.4 "residual add with rescale"):
// each input i is rescaled to the common scale with vrq to i32,
// t_i = Requant(x_i, 0, mults[i], shifts[i], mode, MinInt32, MaxInt32); the
// terms are summed left to right with vadd, s = sat32(...sat32(t_0 + t_1) +
// t_2...); the output is Requant(s, 0, mult, shift, mode, lo, hi). All
// inputs have dst's shape.
func QAdd(dst *Tensor, xs []*Tensor, mults []int64, shifts []uint, mult int64, shift uint, mode RoundMode, lo, hi int64) error {
	if len(xs) < 1 || len(mults) != len(xs) || len(shifts) != len(xs) {
		return fmt.Errorf("qadd: %d inputs, %d multipliers and %d shifts", len(xs), len(mults), len(shifts))
	}
	if err := checkRequant(shift, lo, hi); err != nil {
		return err
	}
	if mult < -1<<31 || mult > 1<<31-1 {
		return fmt.Errorf("qadd: multiplier %d outside int32", mult)
	}
	for i, x := range xs {
		if err := checkIntIn(fmt.Sprintf("qadd input %d", i), x); err != nil {
			return err
		}
		if !SameShape(x.Shape, xs[0].Shape) {
			return fmt.Errorf("qadd: input %d %s differs from input 0 %s", i, ShapeString(x.Shape), ShapeString(xs[0].Shape))
		}
		if shifts[i] > 63 || mults[i] < -1<<31 || mults[i] > 1<<31-1 {
			return fmt.Errorf("qadd: input %d: multiplier %d or shift %d out of range", i, mults[i], shifts[i])
		}
	}
	if err := checkIntDst("qadd", dst, xs[0].Shape); err != nil {
		return err
	}
	const lo32, hi32 = -1 << 31, 1<<31 - 1
	for e := range dst.I64 {
		var s int64
		for i, x := range xs {
			t := Requant(x.I64[e], 0, mults[i], shifts[i], mode, lo32, hi32)
			if i == 0 {
				s = t
			} else {
				s = Sat32(s + t)
			}
		}
		dst.I64[e] = Requant(s, 0, mult, shift, mode, lo, hi)
	}
	return nil
}

// QClip writes clamp(x, lo, hi) (the DPU's vclip) into dst.
func QClip(dst, x *Tensor, lo, hi int64) error {
	if err := checkIntIn("qclip x", x); err != nil {
		return err
	}
	if lo > hi {
		return fmt.Errorf("qclip: empty range [%d, %d]", lo, hi)
	}
	if err := checkIntDst("qclip", dst, x.Shape); err != nil {
		return err
	}
	for i, v := range x.I64 {
		dst.I64[i] = Clamp(v, lo, hi)
	}
	return nil
}
