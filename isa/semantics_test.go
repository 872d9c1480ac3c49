package isa

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// refRoundShift computes roundshift with exact rational arithmetic.
func refRoundShift(x int64, s uint, m RoundMode) int64 {
	num := new(big.Rat).SetFrac(big.NewInt(x), new(big.Int).Lsh(big.NewInt(1), s))
	fl := new(big.Int).Div(num.Num(), num.Denom()) // Euclidean: floor for positive denominators
	frac := new(big.Rat).Sub(num, new(big.Rat).SetInt(fl))
	half := big.NewRat(1, 2)
	c := frac.Cmp(half)
	up := false
	switch m {
	case RoundFloor:
	case RoundUp:
		up = c >= 0
	case RoundAway:
		up = c > 0 || (c == 0 && x >= 0)
	case RoundEven:
		up = c > 0 || (c == 0 && fl.Bit(0) == 1)
	}
	if up {
		fl.Add(fl, big.NewInt(1))
	}
	return fl.Int64()
}

func TestRoundShift(t *testing.T) {
	cases := []struct {
		x    int64
		s    uint
		m    RoundMode
		want int64
	}{
		{5, 1, RoundUp, 3}, {-5, 1, RoundUp, -2}, {5, 1, RoundAway, 3}, {-5, 1, RoundAway, -3},
		{5, 1, RoundEven, 2}, {7, 1, RoundEven, 4}, {-5, 1, RoundEven, -2}, {5, 1, RoundFloor, 2},
		{-5, 1, RoundFloor, -3}, {6, 2, RoundUp, 2}, {-6, 2, RoundUp, -1}, {123, 0, RoundUp, 123},
		{math.MaxInt64, 63, RoundUp, 1}, {math.MinInt64, 63, RoundUp, -1}, {math.MinInt64, 1, RoundEven, math.MinInt64 / 2},
	}
	for _, c := range cases {
		if got := RoundShift(c.x, c.s, c.m); got != c.want {
			t.Errorf("RoundShift(%d, %d, %v) = %d, want %d", c.x, c.s, c.m, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		x := int64(r.Uint64())
		if r.IntN(2) == 0 {
			x = r.Int64N(2000) - 1000
		}
		s := uint(r.IntN(64))
		m := RoundMode(r.IntN(4))
		if got, want := RoundShift(x, s, m), refRoundShift(x, s, m); got != want {
			t.Fatalf("RoundShift(%d, %d, %v) = %d, want %d", x, s, m, got, want)
		}
	}
}

func TestIntTypeAndSat(t *testing.T) {
	for _, c := range []struct {
		s      string
		lo, hi int64
	}{{"u1", 0, 1}, {"u8", 0, 255}, {"i8", -128, 127}, {"i32", math.MinInt32, math.MaxInt32}, {"u31", 0, 1<<31 - 1}} {
		ty, err := ParseIntType(c.s)
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := ty.Range(); lo != c.lo || hi != c.hi || ty.String() != c.s {
			t.Errorf("%s: range [%d, %d], string %s", c.s, lo, hi, ty)
		}
	}
	for _, bad := range []string{"u0", "u32", "i1", "i33", "x8", "u", "u999999999999", "i-3"} {
		if _, err := ParseIntType(bad); err == nil {
			t.Errorf("ParseIntType(%q) succeeded", bad)
		}
	}
	if Sat(1<<30, 24) != 1<<23-1 || Sat(-1<<30, 24) != -1<<23 || Sat(5, 24) != 5 {
		t.Error("Sat")
	}
	if Sat32(1<<40) != math.MaxInt32 || Sat32(-1<<40) != math.MinInt32 {
		t.Error("Sat32")
	}
}
