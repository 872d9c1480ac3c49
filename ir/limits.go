package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// Limits bound the memory the values of a graph may take, so that a model
// of a few hundred bytes (a ConstantOfShape to 30000x30000, a Pad by
// 15000, a chain of doubling Concats) is refused with the node named
// instead of making pimc allocate gigabytes. Sizes are counted as pimc
// holds values in memory (tensor.DType.StorageBytes): 4 bytes per f32,
// f16 or bf16 element, 8 per f64, integer or bool element.
//
// The limits are checked where sizes become known, before anything is
// allocated: shape inference (InferNode and InferGraph, so the frontend),
// the pass manager (before and after every pass), the .pir parser (declared types, before a constant's payload
// is read), the frontend's reading of initializers and Constant nodes
// (declared dims), constant folding (frontend and the constant-fold pass
// evaluate through the interpreter) and the interpreter (every node's
// output before its kernel runs, and the whole graph before a run).
type Limits struct {
	// ValueBytes bounds one value: a graph input, a constant or one node
	// output. The default, DefaultMaxValueBytes, is 1 GiB: VGG-16's fc6
	// weight (25088x4096 float32, 392 MiB; 784 MiB once quantized, as
	// integers are held in 8 bytes) passes.
	ValueBytes int64
	// TotalBytes bounds the sum over all values of a graph (inputs,
	// constants and node outputs): an upper bound of what the interpreter
	// holds during a run and of what constant folding can materialize
	// (folding turns node outputs into constants, so it never raises the
	// sum). Without it, a thousand values just under ValueBytes would pass
	// one by one. The default, DefaultMaxTotalBytes, is 2 GiB: VGG-19 (0.5
	// GiB of float weights) imports, runs and quantizes under it, and
	// peak memory stays a small multiple of it (the garbage collector lets
	// the heap grow to twice what is live; quantization's calibration
	// keeps every activation of a run).
	TotalBytes int64
}

// The default limits; docs/PIR.md and the -h text of the pimc commands
// that read models state them.
const (
	DefaultMaxValueBytes = 1 << 30
	DefaultMaxTotalBytes = 2 << 30
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{ValueBytes: DefaultMaxValueBytes, TotalBytes: DefaultMaxTotalBytes}
}

// limits holds the process-wide limits. They are a resource bound of the
// process (like debug.SetMemoryLimit), not a property of one graph: shape
// inference runs on single nodes deep inside the frontend, the passes and
// the interpreter, where no per-call option reaches, and every one of them
// must refuse the same sizes.
var limits atomic.Pointer[Limits]

// SetLimits replaces the process-wide limits and returns the previous
// ones. A zero or negative field selects its default, so SetLimits(Limits{})
// restores the defaults. pimc sets them from -max-value-bytes and
// -max-total-bytes at the start of each command.
func SetLimits(l Limits) Limits {
	prev := CurrentLimits()
	def := DefaultLimits()
	if l.ValueBytes <= 0 {
		l.ValueBytes = def.ValueBytes
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = def.TotalBytes
	}
	limits.Store(&l)
	return prev
}

// CurrentLimits returns the limits in force.
func CurrentLimits() Limits {
	if l := limits.Load(); l != nil {
		return *l
	}
	return DefaultLimits()
}

// Bytes is the memory a value of type t takes (see Limits), saturating at
// math.MaxInt64 for shapes whose size overflows; negative dimensions count
// as 0 (shape checks reject them elsewhere).
func (t Type) Bytes() int64 {
	n := int64(t.DType.StorageBytes())
	for _, d := range t.Shape {
		if d <= 0 {
			return 0
		}
		if n > math.MaxInt64/int64(d) {
			return math.MaxInt64
		}
		n *= int64(d)
	}
	return n
}

// CheckValueSize refuses a value of type t above the per-value limit. what
// (may be "") names the value for the message: `output f32[1,1,30000,30000] is 3.4
// GiB, above the 1 GiB limit (-max-value-bytes)`.
func CheckValueSize(what string, t Type) error {
	l := CurrentLimits()
	if b := t.Bytes(); b > l.ValueBytes {
		if what != "" {
			what += " "
		}
		return fmt.Errorf("%s%s is %s, above the %s limit (-max-value-bytes)", what, t, FormatBytes(b), FormatBytes(l.ValueBytes))
	}
	return nil
}

// SizeTotal accumulates the sizes of a graph's values against the total
// limit, for checks that see the values one by one (the frontend, the .pir
// parser). The zero value is ready to use.
type SizeTotal struct{ bytes int64 }

// Add counts a value of type t; once the sum passes the total limit it
// returns an error naming what (`node "Sum_0": output f32[...]`) as the
// value that crossed it.
func (s *SizeTotal) Add(what string, t Type) error {
	l := CurrentLimits()
	b := t.Bytes()
	if b > math.MaxInt64-s.bytes {
		s.bytes = math.MaxInt64
	} else {
		s.bytes += b
	}
	if s.bytes > l.TotalBytes {
		return fmt.Errorf("%s %s brings the values of the graph to %s, above the %s total limit (-max-total-bytes)",
			what, t, FormatBytes(s.bytes), FormatBytes(l.TotalBytes))
	}
	return nil
}

// Bytes is the sum so far.
func (s *SizeTotal) Bytes() int64 { return s.bytes }

// CheckGraphSize checks every input, constant and node output of g against
// the per-value limit and their sum against the total limit. The error
// names the first value over a limit.
func CheckGraphSize(g *Graph) error {
	var total SizeTotal
	check := func(what string, t Type) error {
		if err := CheckValueSize(what, t); err != nil {
			return err
		}
		return total.Add(what, t)
	}
	for _, v := range g.Inputs {
		if v != nil {
			if err := check(fmt.Sprintf("input %q:", v.Name), v.Type); err != nil {
				return err
			}
		}
	}
	for _, v := range g.Consts {
		if v != nil {
			if err := check(fmt.Sprintf("constant %q:", v.Name), v.Type); err != nil {
				return err
			}
		}
	}
	for _, n := range g.Nodes {
		for i, v := range n.Outputs {
			if v != nil {
				if err := check(fmt.Sprintf("node %s: %s", n.Origin(), outputLabel(n, i)), v.Type); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// outputLabel is "output" for a single-output node, "output i" otherwise.
func outputLabel(n *Node, i int) string {
	if len(n.Outputs) == 1 {
		return "output"
	}
	return "output " + strconv.Itoa(i)
}

// FormatBytes writes a byte count for people: "512 B", "392 MiB", "3.4
// GiB" (binary units, rounded to one decimal, which is dropped when 0).
func FormatBytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	f := float64(b)
	u := 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") + " " + units[u]
}
