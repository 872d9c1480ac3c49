package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pimc-dev/pimc/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/hostile/gen DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	files := map[string][]byte{
		"cos30000.onnx":           hostile.ConstantOfShape(30000),
		"cos20000.onnx":           hostile.ConstantOfShape(20000),
		"cos16000.onnx":           hostile.ConstantOfShape(16000), // 0.95 GiB: just under the default limit
		"cos6000.onnx":            hostile.ConstantOfShape(6000),
		"pad15000.onnx":           hostile.Pad(15000),
		"broadcast30000.onnx":     hostile.Broadcast(30000),
		"matmul30000.onnx":        hostile.MatMul(30000),
		"concat40.onnx":           hostile.ConcatDoubling(40),
		"convtranspose30000.onnx": hostile.ConvTranspose(30000),
		"init30000.onnx":          hostile.HugeInitializer(30000),
		"constant30000.onnx":      hostile.HugeConstantNode(30000),
		"many1000x16000.onnx":     hostile.ManyConstants(1000, 16000),
		"pir-const30000.pir":      hostile.PIRConstant(30000),
		"pir-cos30000.pir":        hostile.PIRConstantOfShape(30000),
		"x.npy":                   hostile.InputNPY(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
