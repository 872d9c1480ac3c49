package isa

import (
	"fmt"
	"math"
)

// RoundMode selects how roundshift rounds (docs/ISA.md §2). The compiler picks
// the mode that matches the quantized reference interpreter, so both sides
// share RoundShift.
type RoundMode uint8

const (
	RoundUp    RoundMode = 0 // floor(x/2^s + 1/2): add half, arithmetic shift
	RoundAway  RoundMode = 1 // ties away from zero
	RoundEven  RoundMode = 2 // ties to even
	RoundFloor RoundMode = 3 // floor(x/2^s): plain arithmetic shift
)

var roundNames = [...]string{"up", "away", "even", "floor"}

func (m RoundMode) String() string {
	if int(m) < len(roundNames) {
		return roundNames[m]
	}
	return fmt.Sprintf("round(%d)", uint8(m))
}

// RoundShift returns x / 2^s rounded with mode m, for s in 0..63. It is exact
// for every int64 x (no intermediate overflow).
func RoundShift(x int64, s uint, m RoundMode) int64 {
	if s == 0 {
		return x
	}
	if s > 63 {
		panic("BUG: isa.RoundShift: shift > 63")
	}
	q := x >> s                 // floor
	r := x - q<<s               // remainder in [0, 2^s)
	half := int64(1) << (s - 1) // 2^(s-1) fits: s <= 63
	switch m {
	case RoundFloor:
		return q
	case RoundUp:
		if r >= half {
			return q + 1
		}
		return q
	case RoundAway:
		if r > half || (r == half && x >= 0) {
			return q + 1
		}
		return q
	case RoundEven:
		if r > half || (r == half && q&1 != 0) {
			return q + 1
		}
		return q
	}
	panic(fmt.Sprintf("BUG: isa.RoundShift: mode %d", m))
}

// Sat clamps x to the signed b-bit range [-2^(b-1), 2^(b-1)-1], 1 <= b <= 64.
func Sat(x int64, b uint) int64 {
	if b >= 64 {
		return x
	}
	lo, hi := -(int64(1) << (b - 1)), int64(1)<<(b-1)-1
	return min(max(x, lo), hi)
}

// Sat32 clamps x to the int32 range.
func Sat32(x int64) int32 { return int32(min(max(x, math.MinInt32), math.MaxInt32)) }

// IntType is an integer element type: Bits | Signed<<6. Unsigned types have 1..31
// bits, signed types 2..32 (everything fits an int32 lane).
type IntType uint8

// MakeIntType builds an IntType; check Valid before use.
func MakeIntType(bits int, signed bool) IntType {
	t := IntType(bits & 63)
	if signed {
		t |= 1 << 6
	}
	return t
}

// Bits is the width of t.
func (t IntType) Bits() int { return int(t & 63) }

// Signed reports whether t is two's complement.
func (t IntType) Signed() bool { return t&(1<<6) != 0 }

// Valid reports whether t is a legal type code.
func (t IntType) Valid() bool {
	if t>>7 != 0 {
		return false
	}
	b := t.Bits()
	if t.Signed() {
		return b >= 2 && b <= 32
	}
	return b >= 1 && b <= 31
}

// Range is the closed interval of values of t.
func (t IntType) Range() (lo, hi int64) {
	b := uint(t.Bits())
	if t.Signed() {
		return -(int64(1) << (b - 1)), int64(1)<<(b-1) - 1
	}
	return 0, int64(1)<<b - 1
}

// Clamp saturates x to the range of t.
func (t IntType) Clamp(x int64) int64 {
	lo, hi := t.Range()
	return min(max(x, lo), hi)
}

// String is the assembly spelling: "u8", "i32"; "type(N)" if invalid.
func (t IntType) String() string {
	if !t.Valid() {
		return fmt.Sprintf("type(%d)", uint8(t))
	}
	if t.Signed() {
		return fmt.Sprintf("i%d", t.Bits())
	}
	return fmt.Sprintf("u%d", t.Bits())
}

// ParseIntType parses "u8" / "i32".
func ParseIntType(s string) (IntType, error) {
	if len(s) < 2 || (s[0] != 'u' && s[0] != 'i') {
		return 0, fmt.Errorf("bad integer type %q (want u<bits> or i<bits>)", s)
	}
	n := 0
	for _, c := range s[1:] {
		if c < '0' || c > '9' || n > 64 {
			return 0, fmt.Errorf("bad integer type %q (want u<bits> or i<bits>)", s)
		}
		n = n*10 + int(c-'0')
	}
	t := MakeIntType(n, s[0] == 'i')
	if n > 63 || !t.Valid() {
		return 0, fmt.Errorf("bad integer type %q: unsigned types have 1..31 bits, signed 2..32", s)
	}
	return t, nil
}
