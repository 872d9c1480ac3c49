package frontend

import "sort"

// SupportedOps lists the ai.onnx operator types the importer lowers (some
// with refused variants, reported as unsupported), sorted. docs/OPS.md is
// generated from it (internal/opsdoc).
func SupportedOps() []string {
	ops := make([]string, 0, len(lowerers))
	for op := range lowerers {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}
