package tensor

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

// Every finite or infinite float16 converts to float32 and back unchanged,
// and the float32 values are what the binary16 definition says.
func TestF16RoundTripAllBits(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16FromBits(uint16(h))
		exp, mant := (h>>10)&0x1f, h&0x3ff
		if exp == 0x1f && mant != 0 {
			if !math.IsNaN(float64(f)) {
				t.Fatalf("bits %#04x: got %v, want NaN", h, f)
			}
			if F16Bits(f)&0x7c00 != 0x7c00 || F16Bits(f)&0x3ff == 0 {
				t.Fatalf("NaN bits %#04x came back as %#04x", h, F16Bits(f))
			}
			continue
		}
		var want float64
		switch exp {
		case 0:
			want = math.Ldexp(float64(mant), -24)
		case 0x1f:
			want = math.Inf(1)
		default:
			want = math.Ldexp(float64(mant|0x400), exp-25)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if float64(f) != want || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("bits %#04x: got %v, want %v", h, f, want)
		}
		if back := F16Bits(f); back != uint16(h) {
			t.Fatalf("bits %#04x -> %v -> %#04x", h, f, back)
		}
	}
}

// RoundF16 agrees with a brute-force nearest search over all positive
// float16 values, ties to the even bit pattern, overflow at 65520.
func TestRoundF16Nearest(t *testing.T) {
	var vals []float64 // all finite non-negative halves, ascending
	for h := 0; h < 0x7c00; h++ {
		vals = append(vals, float64(F16FromBits(uint16(h))))
	}
	ref := func(x float64) float64 {
		a := math.Abs(x)
		if a >= 65520 { // half-way between 65504 and the next (absent) step
			return math.Copysign(math.Inf(1), x)
		}
		i := sort.SearchFloat64s(vals, a) // vals[i] >= a
		if i == len(vals) {
			i--
		}
		best := i
		if i > 0 {
			lo, hi := vals[i-1], vals[i]
			switch {
			case a-lo < hi-a:
				best = i - 1
			case a-lo == hi-a && (i-1)%2 == 0: // bit pattern i-1 is even
				best = i - 1
			}
		}
		return math.Copysign(vals[best], x)
	}
	r := rand.New(rand.NewSource(1))
	check := func(x float32) {
		got, want := float64(RoundF16(x)), ref(float64(x))
		if got != want && !(got == 0 && want == 0) {
			t.Fatalf("RoundF16(%v [%#08x]) = %v, want %v", x, math.Float32bits(x), got, want)
		}
	}
	for i := 0; i < 200000; i++ {
		// random bit patterns over the interesting exponent range
		b := uint32(r.Int63())&0x807fffff | uint32(100+r.Intn(45))<<23
		check(math.Float32frombits(b))
	}
	// exact midpoints between neighbours, including subnormals and the top
	for i := 0; i+1 < len(vals); i += 1 + r.Intn(7) {
		mid := float32((vals[i] + vals[i+1]) / 2)
		check(mid)
		check(-mid)
		check(math.Nextafter32(mid, 0))
		check(math.Nextafter32(mid, 1e9))
	}
	for _, x := range []float32{0, 65504, 65519.99, 65520, 1e10, 5.960464477539063e-08, 2.98023223876953125e-08, 2.99e-08, 1e-9} {
		check(x)
		check(-x)
	}
	if v := RoundF16(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Fatalf("NaN rounded to %v", v)
	}
}

func TestRoundBF16(t *testing.T) {
	cases := []struct{ in, want uint32 }{
		{0x3f800000, 0x3f800000}, // 1
		{0x3f808000, 0x3f800000}, // tie, even stays
		{0x3f818000, 0x3f820000}, // tie, odd rounds up
		{0x3f808001, 0x3f810000}, // above tie
		{0x7f7fffff, 0x7f800000}, // max float32 overflows to +Inf
	}
	for _, c := range cases {
		got := math.Float32bits(RoundBF16(math.Float32frombits(c.in)))
		if got != c.want {
			t.Errorf("RoundBF16(%#08x) = %#08x, want %#08x", c.in, got, c.want)
		}
	}
	if v := RoundBF16(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Fatalf("NaN rounded to %v", v)
	}
}
