package sim

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
)

// Random numbers of the fault model. Every stream is a PCG generator
// (math/rand/v2) seeded from a hash of the chip's seed and what the stream
// is for (a sub-array's cells, an image's writes or senses): which machine
// or goroutine runs the work never enters. Draws use integer arithmetic
// only, and the tables they read are computed once with multiplications,
// divisions and additions (no fused multiply-add, no library functions), so
// the same seed gives the same faults on any machine.

// Stream domains, hashed into the seeds.
const (
	domStuck   = 1 // a sub-array's stuck cells
	domProgram = 2 // a sub-array's weight-programming write errors
	domWrite   = 3 // the wrp/gwrp write errors of one run
	domSense   = 4 // the sense errors of one run
)

// mix64 is the splitmix64 finaliser (Steele, Lea, Flood: "Fast splittable
// pseudorandom number generators", OOPSLA 2014).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// stream returns the generator of (seed, dom, a, b).
func stream(seed uint64, dom, a, b uint64) rand.PCG {
	h := mix64(seed ^ 0x9e3779b97f4a7c15)
	h = mix64(h ^ dom)
	h = mix64(h ^ a)
	h = mix64(h ^ b)
	return *rand.NewPCG(h, mix64(h^0x632be59bd9b4e019))
}

// below returns a uniform integer in [0, n) (Lemire's multiply-shift, with
// rejection: exact).
func below(r *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// binom samples Binomial(n, p) for every n in [0, max] by inverting the
// distribution function on a uint64: cdf[n][k] = P(X <= k) 2^64, the table
// ending where P(X > k) falls below 2^-64 (so p = 1e-13 over a row of 256
// columns still errs now and then).
type binom struct {
	cdf [][]uint64
}

// newBinom returns the sampler of p in (0, 1] (p = 1 always draws n).
func newBinom(max int, p float64) *binom {
	b := &binom{cdf: make([][]uint64, max+1)}
	for n := 1; n <= max; n++ {
		b.cdf[n] = binomCDF(n, p)
	}
	return b
}

// binomCDF is the table of one n. The probabilities are computed relative
// to the mode's (no underflow for large n) and normalised; the upper tails
// are summed from the top (exact for the tiny tails of small p).
func binomCDF(n int, p float64) []uint64 {
	if p >= 1 {
		return make([]uint64, n) // every u >= 0: X = n
	}
	r := p / (1 - p)
	mode := min(int(float64(n+1)*p), n)
	w := make([]float64, n+1)
	w[mode] = 1
	const tiny = 1e-30 // far below 2^-64 of the mode's share
	for k := mode + 1; k <= n; k++ {
		w[k] = w[k-1] * float64(n-k+1) / float64(k) * r
		if w[k] < tiny {
			w[k] = 0
			break
		}
	}
	for k := mode - 1; k >= 0; k-- {
		w[k] = w[k+1] * float64(k+1) / float64(n-k) / r
		if w[k] < tiny {
			w[k] = 0
			break
		}
	}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	tail := make([]float64, n+1) // tail[k] = P(X > k)
	for k := n - 1; k >= 0; k-- {
		tail[k] = tail[k+1] + w[k+1]/sum
	}
	var cdf []uint64
	for k := 0; k < n && math.Ldexp(tail[k], 64) >= 1; k++ {
		var t uint64
		if tail[k] < 0.5 {
			t = math.MaxUint64 - uint64(math.Ldexp(tail[k], 64))
		} else {
			t = uint64(math.Ldexp(1-tail[k], 64))
		}
		cdf = append(cdf, t)
	}
	return cdf
}

// draw returns a Binomial(n, p) count.
func (b *binom) draw(r *rand.PCG, n int) int {
	t := b.cdf[n]
	if len(t) == 0 {
		return 0
	}
	u := r.Uint64()
	if u < t[0] {
		return 0
	}
	return sort.Search(len(t), func(k int) bool { return t[k] > u })
}
