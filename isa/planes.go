package isa

import (
	"fmt"
	"strconv"
	"strings"
)

// Planes is the plane-pair sequence of a gdot (ISA v1.7, docs/ISA.md §3.3):
// M weight planes (outer) by N input planes (inner), and how each pair is
// weighted. Its 10-bit field (FPlanes) packs M (4 bits), N (4 bits),
// PlusMinus and XSigned; assembly writes it "MxN" with the suffixes "p"
// (PlusMinus) and "s" (XSigned), e.g. 8x8, 8x8s, 1x8p.
type Planes struct {
	M, N int // 1..15 each
	// PlusMinus: binary weights in {-1, +1} stored on one plane (M = 1),
	// each pair shifted n+1 (the factor 2 of 2 b.x, docs/BACKEND.md §2);
	// otherwise the weights are two's complement, their top plane
	// negative.
	PlusMinus bool
	// XSigned: the inputs are two's complement, their top plane negative.
	XSigned bool
}

// MaxPlanes is the most weight or input planes one gdot sequences (a
// 4-bit field); longer sequences stay gbmacs.
const MaxPlanes = 15

// planesBits is the width of the FPlanes field.
const planesBits = 10

// Pair is the shift and sign (1 = neg) of the bmac of weight plane p and
// input plane n: shift p+n, negative when exactly one of the two is a
// negative top plane; with PlusMinus shift n+1, negative for a signed
// input's top plane.
func (pl Planes) Pair(p, n int) (shift, sign int64) {
	xTop := pl.XSigned && n == pl.N-1
	if pl.PlusMinus {
		if xTop {
			sign = 1
		}
		return int64(n + 1), sign
	}
	if (p == pl.M-1) != xTop {
		sign = 1
	}
	return int64(p + n), sign
}

// Pack is the field value of pl (bits 9..6 M, 5..2 N, 1 PlusMinus, 0
// XSigned).
func (pl Planes) Pack() int64 {
	v := int64(pl.M)<<6 | int64(pl.N)<<2
	if pl.PlusMinus {
		v |= 2
	}
	if pl.XSigned {
		v |= 1
	}
	return v
}

// UnpackPlanes is the Planes of a field value (not checked: see check).
func UnpackPlanes(v int64) Planes {
	return Planes{M: int(v >> 6 & 15), N: int(v >> 2 & 15), PlusMinus: v&2 != 0, XSigned: v&1 != 0}
}

// check reports why pl is not a legal sequence.
func (pl Planes) check() error {
	switch {
	case pl.M < 1 || pl.N < 1:
		return fmt.Errorf("planes %s: M and N must be at least 1", pl)
	case pl.PlusMinus && pl.M != 1:
		return fmt.Errorf("planes %s: binary (p) weights have one plane (M = 1)", pl)
	}
	return nil
}

// String is the assembly form, e.g. "8x8", "8x8s", "1x8p".
func (pl Planes) String() string {
	s := strconv.Itoa(pl.M) + "x" + strconv.Itoa(pl.N)
	if pl.PlusMinus {
		s += "p"
	}
	if pl.XSigned {
		s += "s"
	}
	return s
}

// parsePlanes parses the assembly form of a Planes field value.
func parsePlanes(s string) (int64, error) {
	bad := fmt.Errorf("want planes like 8x8, 8x8s or 1x8p (M weight x N input planes, p: binary weights, s: signed inputs), got %q", s)
	ms, rest, ok := strings.Cut(s, "x")
	if !ok {
		return 0, bad
	}
	var pl Planes
	rest, pl.XSigned = strings.CutSuffix(rest, "s")
	rest, pl.PlusMinus = strings.CutSuffix(rest, "p")
	m, err1 := strconv.Atoi(ms)
	n, err2 := strconv.Atoi(rest)
	if err1 != nil || err2 != nil || m < 1 || n < 1 || m > MaxPlanes || n > MaxPlanes {
		return 0, bad
	}
	pl.M, pl.N = m, n
	if err := pl.check(); err != nil {
		return 0, err
	}
	return pl.Pack(), nil
}
