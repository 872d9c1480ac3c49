package sim

// dotU8S8Go is dotU8S8 in Go: the sum of u[i] * int8(s[i]) over i <
// len(u) (len(s) >= len(u)). It is the reference the amd64 kernel is
// tested against and the path on other machines.
func dotU8S8Go(u, s []byte) int64 {
	s = s[:len(u)]
	var sum int64
	for i, x := range u {
		sum += int64(x) * int64(int8(s[i]))
	}
	return sum
}
