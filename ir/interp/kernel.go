package interp

import (
	"fmt"
	"sync"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Kernel computes the outputs of one node from its input tensors (nil for an
// absent optional input). It reads the node's attributes, derives the
// output shapes from the inputs (never from the graph's recorded types,
// which the interpreter checks afterwards), allocates each output with
// c.Alloc and returns one tensor per n.Outputs. An output may be a view of
// an input (same storage, new shape) but a kernel never writes to its inputs.
// The in slice itself is reused by the interpreter after the kernel
// returns: a kernel must not keep it.
// Errors describe the problem without naming the node; the caller adds it.
type Kernel func(c *Ctx, n *ir.Node, in []*tensor.Tensor) ([]*tensor.Tensor, error)

var kernels = map[ir.Op]Kernel{}

// Register installs the interpreter kernel of op. Packages that add ops
// (quantized and mapped stages) register their kernels in init; registering
// an op twice is a bug.
func Register(op ir.Op, k Kernel) {
	if _, dup := kernels[op]; dup {
		panic(fmt.Sprintf("BUG: interp.Register: op %q registered twice", op))
	}
	kernels[op] = k
}

// HasKernel reports whether op can be interpreted.
func HasKernel(op ir.Op) bool { return kernels[op] != nil }

// Ctx is what a kernel may use from the running interpreter: an allocator
// that recycles the buffers of dead values.
type Ctx struct {
	pool    *bufPool         // nil: plain allocation
	donated []*tensor.Tensor // inputs the running node may overwrite
	batch   *batchPlan       // a whole-batch run of RunBatch, or nil
}

// Donated reports whether the running node may write its result into input
// t: t dies at this node and no other live value shares its storage. Only
// kernels whose computation tolerates dst == input (element by element at
// the same index) may use it.
func (c *Ctx) Donated(t *tensor.Tensor) bool {
	if c == nil {
		return false
	}
	for _, d := range c.donated {
		if d == t {
			return true
		}
	}
	return false
}

// Alloc returns a tensor of the given type and shape whose contents are
// unspecified (a recycled buffer); the kernel must write every element.
func (c *Ctx) Alloc(dt tensor.DType, shape []int) *tensor.Tensor {
	if c == nil || c.pool == nil {
		return tensor.New(dt, shape...)
	}
	return c.pool.get(dt, shape)
}

// bufPool keeps the storage of dead values, by storage kind and length, for
// reuse. CNNs repeat the same few activation sizes, so exact-length reuse
// catches most allocations.
type bufPool struct {
	f32   map[int][][]float32
	f64   map[int][][]float64
	i64   map[int][][]int64
	owned map[any]bool // storage keys of every buffer the pool handed out
}

func newBufPool() *bufPool {
	return &bufPool{f32: map[int][][]float32{}, f64: map[int][][]float64{}, i64: map[int][][]int64{}, owned: map[any]bool{}}
}

func (p *bufPool) get(dt tensor.DType, shape []int) *tensor.Tensor {
	n := tensor.NumElems(shape)
	t := &tensor.Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt.Storage() {
	case tensor.StoreF32:
		t.F32 = take(p.f32, n)
	case tensor.StoreF64:
		t.F64 = take(p.f64, n)
	default:
		t.I64 = take(p.i64, n)
	}
	if key := t.StorageKey(); key != nil {
		p.owned[key] = true
	}
	return t
}

func take[T any](m map[int][][]T, n int) []T {
	if l := m[n]; len(l) > 0 {
		s := l[len(l)-1]
		m[n] = l[:len(l)-1]
		return s
	}
	return make([]T, n)
}

// put returns t's storage to the pool; t must not be used afterwards.
func (p *bufPool) put(t *tensor.Tensor) {
	switch {
	case t.F32 != nil:
		p.f32[len(t.F32)] = append(p.f32[len(t.F32)], t.F32)
	case t.F64 != nil:
		p.f64[len(t.F64)] = append(p.f64[len(t.F64)], t.F64)
	case t.I64 != nil:
		p.i64[len(t.I64)] = append(p.i64[len(t.I64)], t.I64)
	}
}

func (p *bufPool) owns(key any) bool { return p != nil && p.owned[key] }

// disown removes a buffer handed to the caller from the pool's records.
func (p *bufPool) disown(key any) { delete(p.owned, key) }

// bufPools keeps the pools of finished runs, so repeated runs of a model
// reuse the same activation buffers instead of allocating them again.
var bufPools sync.Pool

func getBufPool() *bufPool {
	if p, ok := bufPools.Get().(*bufPool); ok {
		return p
	}
	return newBufPool()
}

// putBufPool gives back the pool of a finished run. After a successful run
// every buffer it owns is free (outputs were disowned); after a failed one
// some may belong to discarded tensors, which is harmless since nothing
// reads those again. The size check keeps a pool that owns an unusual
// number of buffers from being kept alive.
func putBufPool(p *bufPool) {
	if len(p.owned) > 1<<12 {
		return // pathological graph: let the garbage collector have it
	}
	bufPools.Put(p)
}
