//go:build unix

package battery

import (
	"fmt"
	"strings"
	"testing"
)

// npyDataset returns a Setup writing a dataset folder dir/name of n MNIST-
// sized samples with the given labels.txt text (labels "" writes none).
func npyDataset(name string, n int, labels string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for i := range n {
			writeNPY(t, dir, fmt.Sprintf("%s/%03d.npy", name, i), []int{1, 28, 28}, func(j int) float32 { return digitLike(j + i) })
		}
		if labels != "" {
			writeText(t, dir, name+"/labels.txt", labels)
		}
	}
}

// TestBatteryDataset: dataset folders (`-dataset DIR`, `-calib DIR`) that
// are incomplete or lie: the loader names the folder, file or line.
func TestBatteryDataset(t *testing.T) {
	eval := strs("eval", "lenet5.onnx", "-dataset", "ds")
	runCases(t, []Case{
		{Name: "ok/eval", Setup: steps(withLeNet, npyDataset("ds", 3, "1\n1\n1\n")), Args: eval, Code: 0, Stdout: strs("3")},
		{Name: "ok/calib", Setup: steps(withLeNet, npyDataset("ds", 3, "1\n1\n1\n")), Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-calib", "ds"), Code: 0, Keep: strs("m.pimb")},

		{Name: "empty-folder", Setup: steps(withLeNet, func(t *testing.T, dir string) { mkdir(t, dir, "ds", 0o755) }), Args: eval, Code: 1, Stderr: strs("ds", "no .npy files")},
		{Name: "no-labels", Setup: steps(withLeNet, npyDataset("ds", 2, "")), Args: eval, Code: 1, Stderr: strs("ds/labels.txt")},
		{Name: "labels-too-few", Setup: steps(withLeNet, npyDataset("ds", 3, "1\n1\n")), Args: eval, Code: 1, Stderr: strs("ds", "2 labels for 3")},
		{Name: "label-not-a-number", Setup: steps(withLeNet, npyDataset("ds", 2, "1\nseven\n")), Args: eval, Code: 1, Stderr: strs("labels.txt:2", "seven")},
		{Name: "label-negative", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n-3\n")), Args: eval, Code: 1, Stderr: strs("labels.txt:2", "-3")},
		{Name: "label-beyond-the-model", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n12\n")), Args: eval, Code: 1, Stderr: strs("10 scores per image", "ds has 13 classes")},
		{Name: "label-huge", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n2000000000\n")), Args: eval, Code: 1, Stderr: strs("ds has 2000000001 classes"), MaxRSSMiB: 200},
		{Name: "label-beyond-int32", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n99999999999\n")), Args: eval, Code: 1, Stderr: strs("labels.txt:2")},
		{Name: "sample-shapes-differ", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n1\n1\n"), func(t *testing.T, dir string) {
			writeNPY(t, dir, "ds/002.npy", []int{1, 14, 14}, digitLike)
		}), Args: eval, Code: 1, Stderr: strs("ds/002.npy", "differs")},
		{Name: "sample-rank-5", Setup: steps(withLeNet, npyDataset("ds", 1, "1\n1\n"), func(t *testing.T, dir string) {
			writeNPY(t, dir, "ds/001.npy", []int{1, 1, 1, 28, 28}, digitLike)
		}), Args: eval, Code: 1, Stderr: strs("ds/001.npy")},
		{Name: "sample-garbage", Setup: steps(withLeNet, npyDataset("ds", 1, "1\n1\n"), func(t *testing.T, dir string) {
			writeText(t, dir, "ds/001.npy", "not numpy")
		}), Args: eval, Code: 1, Stderr: strs("ds/001.npy")},
		{Name: "samples-wrong-size-for-model", Setup: steps(withLeNet, func(t *testing.T, dir string) {
			for i := range 2 {
				writeNPY(t, dir, fmt.Sprintf("ds/%d.npy", i), []int{3, 32, 32}, func(j int) float32 { return 0.5 })
			}
			writeText(t, dir, "ds/labels.txt", "1\n2\n")
		}), Args: eval, Code: 1, Stderr: strs("ds")},
		{Name: "train-test-shapes-differ", Setup: steps(withLeNet, npyDataset("ds/train", 1, "1\n"), func(t *testing.T, dir string) {
			writeNPY(t, dir, "ds/test/0.npy", []int{1, 14, 14}, digitLike)
			writeText(t, dir, "ds/test/labels.txt", "1\n")
		}), Args: eval, Code: 1, Stderr: strs("ds", "train samples")},
		{Name: "unknown-dataset-name", Setup: withLeNet, Args: strs("eval", "lenet5.onnx", "-dataset", "imagenet"), Code: 1, Stderr: strs("imagenet")},
		{Name: "labels-is-a-dir", Setup: steps(withLeNet, npyDataset("ds", 1, ""), func(t *testing.T, dir string) { mkdir(t, dir, "ds/labels.txt", 0o755) }),
			Args: eval, Code: 1, Stderr: strs("ds/labels.txt")},
		{Name: "labels-very-long-line", Setup: steps(withLeNet, npyDataset("ds", 1, ""), func(t *testing.T, dir string) {
			writeText(t, dir, "ds/labels.txt", strings.Repeat("1", 1<<20)+"\n")
		}), Args: eval, Code: 1, Stderr: strs("labels.txt:1")},
		{Name: "calib-empty-folder", Setup: steps(withLeNet, func(t *testing.T, dir string) { mkdir(t, dir, "ds", 0o755) }),
			Args: strs("compile", "lenet5.onnx", "-o", "m.pimb", "-calib", "ds"), Code: 1, Stderr: strs("ds")},
	})
}
