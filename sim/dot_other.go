//go:build !amd64

package sim

// hasDot: no VNNI kernel on this architecture.
const hasDot = false

// dotU8S8 is dotU8S8Go on machines without the VNNI kernel.
func dotU8S8(u, s []byte) int64 { return dotU8S8Go(u, s) }

// dot2U8S8 is dotU8S8(u, s) and dotU8S8(u, t).
func dot2U8S8(u, s, t []byte) (int64, int64) { return dotU8S8Go(u, s), dotU8S8Go(u, t) }
