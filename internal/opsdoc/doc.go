// Package opsdoc generates docs/OPS.md: every ONNX operator (the ai.onnx
// schemas of onnx_ops.txt, plus the later ones in later.go), the opsets,
// whether pimc imports it and runs it in the float interpreter (the
// frontend's lowering table), whether and how it runs on the device when
// compiled (checked against the backend's partition rule), and notes.
// TestOpsDoc keeps the file in sync: PIMC_UPDATE=1 go test
// ./internal/opsdoc rewrites it. The tests also read the backend's
// partition rule and the interpreter's kernel table.
//
// Allowed imports: frontend, internal/outfile, ir, ir/interp, ir/tensor,
// tensorio (all through frontend) and the standard library.
package opsdoc
