package tensor

import (
	"fmt"
	"math"
)

// NonFinite counts the NaN and infinite elements among Values elements of
// one or more tensors. Every command that reads input tensors warns with
// its String form when Any is true, so a NaN in an input is never silent:
// the interpreter propagates it (docs/QUANT.md "NaN and infinities") and
// quantization maps it to the zero point.
type NonFinite struct {
	NaN, Inf, Values int
}

// CountNonFinite counts t's NaN and ±Inf elements; integer tensors have
// none.
func CountNonFinite(t *Tensor) NonFinite {
	c := NonFinite{Values: t.Len()}
	switch {
	case t.F32 != nil:
		for _, v := range t.F32 {
			if v != v {
				c.NaN++
			} else if math.IsInf(float64(v), 0) {
				c.Inf++
			}
		}
	case t.F64 != nil:
		for _, v := range t.F64 {
			if v != v {
				c.NaN++
			} else if math.IsInf(v, 0) {
				c.Inf++
			}
		}
	}
	return c
}

// Add accumulates the counts of o.
func (c *NonFinite) Add(o NonFinite) {
	c.NaN += o.NaN
	c.Inf += o.Inf
	c.Values += o.Values
}

// Any reports whether some element was NaN or infinite.
func (c NonFinite) Any() bool { return c.NaN > 0 || c.Inf > 0 }

// String is "3 NaN and 1 Inf among 3072 values".
func (c NonFinite) String() string {
	return fmt.Sprintf("%d NaN and %d Inf among %d values", c.NaN, c.Inf, c.Values)
}

// NonFiniteFiles sums NonFinite over the files of a folder (a dataset, a
// calibration set), for one warning per folder instead of one per file.
type NonFiniteFiles struct {
	NonFinite        // over the files holding a NaN or Inf
	Files, Of int    // files holding one, files counted
	First     string // the first file holding one
}

// AddFile counts the file name holding c.
func (f *NonFiniteFiles) AddFile(name string, c NonFinite) {
	f.Of++
	if !c.Any() {
		return
	}
	if f.Files == 0 {
		f.First = name
	}
	f.Files++
	f.NonFinite.Add(c)
}

// String is "3 NaN and 1 Inf among 1568 values in 2 of 10 files (first:
// a.npy)".
func (f NonFiniteFiles) String() string {
	return fmt.Sprintf("%s in %d of %d files (first: %s)", f.NonFinite, f.Files, f.Of, f.First)
}
