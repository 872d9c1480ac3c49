package tensor

import (
	"fmt"
	"math"
)

// UnaryOp selects an element-wise activation.
type UnaryOp uint8

// Activations. Relu, LeakyRelu and Clip are defined on integers too; the
// others only on float types.
const (
	Relu        UnaryOp = iota
	LeakyRelu           // x if x >= 0 else Alpha*x
	Clip                // min(max(x, Lo), Hi); absent bounds are ±Inf
	Sigmoid             // 1/(1+exp(-x))
	HardSigmoid         // max(0, min(1, Alpha*x+Beta))
	HardSwish           // x*max(0, min(1, x/6+1/2))
	Tanh
	Copy // identity
)

var unaryNames = [...]string{"relu", "leaky_relu", "clip", "sigmoid", "hard_sigmoid", "hard_swish", "tanh", "copy"}

func (op UnaryOp) String() string {
	if int(op) < len(unaryNames) {
		return unaryNames[op]
	}
	return fmt.Sprintf("unaryop(%d)", uint8(op))
}

// UnaryParams are the parameters of Unary: Alpha and Beta for LeakyRelu and
// HardSigmoid, Lo and Hi for Clip (use math.Inf for an absent bound).
type UnaryParams struct {
	Op          UnaryOp
	Alpha, Beta float32
	Lo, Hi      float64
}

// Unary computes dst = f(x) element-wise; dst has x's type and shape and may
// be x itself. Float math is done in float32 for float32/float16/bfloat16
// (results rounded to the narrow type) and in float64 for float64.
// When Lo > Hi, Clip returns Hi everywhere (NumPy's min(max(x, lo), hi)).
// Integer Relu and Clip are exact; integer LeakyRelu computes alpha*x in
// float64 and truncates toward zero (NumPy's cast back to the integer type).
func Unary(dst, x *Tensor, p UnaryParams) error {
	if err := checkStorage("x", x); err != nil {
		return err
	}
	if err := checkDst(dst, x.DType, x.Shape); err != nil {
		return fmt.Errorf("%v: %w", p.Op, err)
	}
	switch x.DType.Storage() {
	case StoreF32:
		unaryF32(p, dst.F32, x.F32)
		RoundToType(x.DType, dst.F32)
	case StoreF64:
		unaryF64(p, dst.F64, x.F64)
	default:
		if x.DType == Bool {
			return fmt.Errorf("%v: not defined on bool", p.Op)
		}
		return unaryInt(p, x.DType, dst.I64, x.I64)
	}
	return nil
}

func unaryF32(p UnaryParams, d, x []float32) {
	switch p.Op {
	case Relu:
		reluF32(d, x)
	case LeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= p.Alpha
			}
			d[i] = v
		}
	case Clip:
		lo, hi := float32(p.Lo), float32(p.Hi)
		for i, v := range x {
			if v < lo {
				v = lo
			}
			if v > hi {
				v = hi
			}
			d[i] = v
		}
	case Sigmoid:
		for i, v := range x {
			d[i] = float32(sigmoid(float64(v)))
		}
	case HardSigmoid:
		for i, v := range x {
			d[i] = max(0, min(1, p.Alpha*v+p.Beta))
		}
	case HardSwish:
		for i, v := range x {
			d[i] = v * max(0, min(1, v/6+0.5))
		}
	case Tanh:
		for i, v := range x {
			d[i] = float32(math.Tanh(float64(v)))
		}
	case Copy:
		copy(d, x)
	}
}

func unaryF64(p UnaryParams, d, x []float64) {
	alpha, beta := float64(p.Alpha), float64(p.Beta)
	switch p.Op {
	case Relu:
		for i, v := range x {
			if v < 0 {
				v = 0
			}
			d[i] = v
		}
	case LeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= alpha
			}
			d[i] = v
		}
	case Clip:
		for i, v := range x {
			if v < p.Lo {
				v = p.Lo
			}
			if v > p.Hi {
				v = p.Hi
			}
			d[i] = v
		}
	case Sigmoid:
		for i, v := range x {
			d[i] = sigmoid(v)
		}
	case HardSigmoid:
		for i, v := range x {
			d[i] = max(0, min(1, alpha*v+beta))
		}
	case HardSwish:
		for i, v := range x {
			d[i] = v * max(0, min(1, v/6+0.5))
		}
	case Tanh:
		for i, v := range x {
			d[i] = math.Tanh(v)
		}
	case Copy:
		copy(d, x)
	}
}

// sigmoid is computed so that exp never overflows: for x < 0 it uses
// e^x/(1+e^x).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func unaryInt(p UnaryParams, dt DType, d, x []int64) error {
	unsigned := dt == Uint64
	switch p.Op {
	case Relu:
		for i, v := range x {
			if !unsigned && v < 0 {
				v = 0
			}
			d[i] = v
		}
	case LeakyRelu:
		for i, v := range x {
			if !unsigned && v < 0 {
				v = dt.Wrap(int64(float64(p.Alpha) * float64(v)))
			}
			d[i] = v
		}
	case Clip:
		// An integer x satisfies x >= lo iff x >= ceil(lo), and x <= hi iff
		// x <= floor(hi), so the float bounds become exact integer bounds.
		lo, hi := intBounds(dt, p.Lo, p.Hi)
		for i, v := range x {
			if lessInt(unsigned, v, lo) {
				v = lo
			}
			if lessInt(unsigned, hi, v) {
				v = hi
			}
			d[i] = v
		}
	case Copy:
		copy(d, x)
	default:
		return fmt.Errorf("%v: not defined on %v", p.Op, dt)
	}
	return nil
}

// intBounds converts float clip bounds to integer bounds of type dt (as the
// stored int64 bits, so uint64 bounds past 2^63 wrap like the data does).
// A NaN bound is treated as absent.
func intBounds(dt DType, lo, hi float64) (int64, int64) {
	if math.IsNaN(lo) {
		lo = math.Inf(-1)
	}
	if math.IsNaN(hi) {
		hi = math.Inf(1)
	}
	lo, hi = math.Ceil(lo), math.Floor(hi)
	if dt == Uint64 {
		return int64(clampU64(lo)), int64(clampU64(hi))
	}
	tlo, thi := dt.IntRange()
	clamp := func(v float64) int64 {
		switch {
		case v <= float64(tlo):
			return tlo
		case v >= float64(thi):
			return thi
		}
		return int64(v)
	}
	return clamp(lo), clamp(hi)
}

func clampU64(v float64) uint64 {
	switch {
	case v <= 0:
		return 0
	case v >= 1<<64:
		return math.MaxUint64
	}
	return uint64(v)
}

// reluF32 sets d[i] = 0 where x[i] < 0 and d[i] = x[i] otherwise (NaN and
// -0 pass through), on the bits and without branches: on activations with
// random signs a compare-and-branch mispredicts about every other element.
// A float32 is below zero exactly when its bits lie in (0x80000000,
// 0xFF800000] (negative, not -0, not NaN).
func reluF32(d, x []float32) {
	d = d[:len(x)]
	for i, v := range x {
		u := math.Float32bits(v)
		t := uint64(u - 0x80000001)           // < 0x7F800000 exactly when v < 0
		neg := uint32((t - 0x7F800000) >> 63) // 1 when v < 0
		d[i] = math.Float32frombits(u &^ -neg)
	}
}
