//go:build linux

package battery

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Output paths (internal/outfile, its CheckPaths in paths.go): devices and pipes
// are written in place and stay what they are, symbolic links are followed
// and stay links, an output that is an input or another output is refused
// before any work naming both flags, read-only files and folders are
// refused for everyone, "-" is standard output where a command writes one
// file. The harness checks every Setup file is left as it was (type, link
// target, device number, contents, inode) unless Modify lists it.

// mknodBlock makes a block device dir/name (loop device numbers; it is
// never opened). Root only.
func mknodBlock(t *testing.T, dir, name string) {
	t.Helper()
	if err := syscall.Mknod(filepath.Join(dir, name), syscall.S_IFBLK|0o660, 7<<8|200); err != nil {
		t.Fatalf("mknod %s: %v", name, err)
	}
}

// fifoReader makes a named pipe dir/name and reads it from a goroutine;
// the Check returned fails unless the reader got a .pimb (its magic) or,
// with want "", anything at all.
func fifoReader(name, want string) (setup, check func(t *testing.T, dir string)) {
	got := make(chan []byte, 1)
	setup = func(t *testing.T, dir string) {
		mkfifo(t, dir, name)
		go func() {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				got <- nil
				return
			}
			b, _ := io.ReadAll(f)
			f.Close()
			got <- b
		}()
	}
	check = func(t *testing.T, dir string) {
		select {
		case b := <-got:
			if !bytes.HasPrefix(b, []byte(want)) || len(b) == 0 {
				t.Errorf("the reader of %s got %d bytes starting %.20q, want %q...", name, len(b), b, want)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("nothing was written to the pipe %s", name)
			// Unblock the reader so the goroutine ends.
			if f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	}
	return setup, check
}

// chmod sets dir/name's mode (after the writes that made it).
func chmod(name string, perm os.FileMode) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if err := os.Chmod(filepath.Join(dir, name), perm); err != nil {
			t.Fatal(err)
		}
	}
}

// withFile writes dir/name with text.
func withFile(name, text string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeText(t, dir, name, text) }
}

func link(target, name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { symlink(t, dir, target, name) }
}

func hardLink(target, name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if err := os.Link(filepath.Join(dir, target), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func charDev(name, like string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { mknodChar(t, dir, name, like) }
}

// isPIMB checks dir/name is a .pimb program now.
func isPIMB(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		if b := readFile(t, dir, name); !bytes.HasPrefix(b, []byte("PIMB")) {
			t.Errorf("%s holds no program (%d bytes)", name, len(b))
		}
	}
}

func TestBatteryPaths(t *testing.T) {
	compile := func(extra ...string) []string { return append(strs("compile", "lenet5.onnx"), extra...) }
	sim := func(extra ...string) []string {
		return append(strs("sim", "lenet5.pimb", "-i", "in.npy", "-q"), extra...)
	}
	fifoSetup, fifoCheck := fifoReader("pipe", "PIMB")
	disasmFifoSetup, disasmFifoCheck := fifoReader("pipe", "#")
	runCases(t, []Case{
		// Devices made with mknod: written in place, never replaced.
		{Name: "device/asm-o-full", NeedRoot: true, Setup: steps(withProgram, charDev("full", "/dev/full")),
			Args: strs("asm", "lenet5.pasm", "-o", "full"), Code: 1, Stderr: strs("pimc asm: write full: no space left on device")},
		{Name: "device/compile-o-full-through-symlink", NeedRoot: true, Setup: steps(withLeNet, charDev("full", "/dev/full"), link("full", "out.pimb")),
			Args: compile("-o", "out.pimb"), Code: 1, Stderr: strs("write out.pimb: no space left on device")},
		{Name: "device/compile-o-and-S-null", NeedRoot: true, Setup: steps(withLeNet, charDev("null", "/dev/null")),
			Args: compile("-o", "null", "-S", "null"), Code: 0},
		{Name: "device/sim-report-and-trace-null", NeedRoot: true, Setup: steps(withProgram, withImage, charDev("null", "/dev/null")),
			Args: sim("-report", "null", "-trace", "null"), Code: 0},
		{Name: "device/sim-report-full", NeedRoot: true, Setup: steps(withProgram, withImage, charDev("full", "/dev/full")),
			Args: sim("-report", "full"), Code: 1, Stderr: strs("write full: no space left on device")},
		{Name: "device/train-o-null", NeedRoot: true, Setup: steps(npyDataset("ds/train", 4, "1\n2\n1\n2\n"), npyDataset("ds/test", 2, "1\n2\n"), charDev("null", "/dev/null")),
			Args: strs("train", "lenet5", "-dataset", "ds", "-o", "null", "-epochs", "2", "-batch", "2"), Code: 0, Stdout: strs("null: lenet5 trained 2 epochs")},
		{Name: "device/block-refused", NeedRoot: true, Setup: func(t *testing.T, dir string) { mknodBlock(t, dir, "disk") },
			Args: strs("compile", "nosuch.onnx", "-o", "disk"), Code: 1, Stderr: strs("-o disk: is a block device")},

		// Named pipes: written directly to their reader; the same pipe as
		// input and output is refused before it is opened (no hang).
		{Name: "pipe/compile-o-fifo", Setup: steps(withLeNet, fifoSetup), Args: compile("-o", "pipe"), Code: 0, Check: fifoCheck},
		{Name: "pipe/disasm-o-fifo", Setup: steps(withProgram, disasmFifoSetup), Args: strs("disasm", "lenet5.pimb", "-o", "pipe"), Code: 0, Check: disasmFifoCheck},
		{Name: "pipe/same-fifo-in-and-out", Setup: func(t *testing.T, dir string) { mkfifo(t, dir, "m.onnx") },
			Args: strs("compile", "m.onnx", "-o", "m.onnx"), Code: 1, Stderr: strs("-o m.onnx and input m.onnx are the same file")},

		// Symbolic links: followed, and left in place.
		{Name: "symlink/o-through-link", Setup: steps(withLeNet, withFile("real/out.pimb", "old"), link("real/out.pimb", "out.pimb")),
			Args: compile("-o", "out.pimb"), Code: 0, Modify: strs("real/out.pimb"), Check: isPIMB("real/out.pimb")},
		{Name: "symlink/chain", Setup: steps(withLeNet, withFile("c/final.pimb", "old"), withFile("b/other", ""), link("../c/final.pimb", "b/hop.pimb"), link("b/hop.pimb", "first.pimb")),
			Args: compile("-o", "first.pimb"), Code: 0, Modify: strs("c/final.pimb"), Check: isPIMB("c/final.pimb")},
		{Name: "symlink/dangling-makes-target", Setup: steps(withLeNet, link("made.pimb", "new.pimb")),
			Args: compile("-o", "new.pimb"), Code: 0, Keep: strs("made.pimb"), Check: isPIMB("made.pimb")},
		{Name: "symlink/dangling-into-missing-folder", Setup: steps(withLeNet, link("nodir/made.pimb", "new.pimb")),
			Args: compile("-o", "new.pimb"), Code: 1, Stderr: strs("-o new.pimb: directory", "nodir does not exist", "new.pimb is a symbolic link to")},
		{Name: "symlink/loop", Setup: steps(withLeNet, link("b.pimb", "a.pimb"), link("a.pimb", "b.pimb")),
			Args: compile("-o", "a.pimb"), Code: 1, Stderr: strs("-o a.pimb", "symbolic links")},
		{Name: "symlink/output-is-the-model", Setup: steps(withLeNet, link("lenet5.onnx", "out.pimb")),
			Args: compile("-o", "out.pimb"), Code: 1, Stderr: strs("pimc compile: -o out.pimb and input lenet5.onnx are the same file")},

		// Hard links: one file under two names.
		{Name: "hardlink/o-is-the-model", Setup: steps(withLeNet, hardLink("lenet5.onnx", "out.pimb")),
			Args: compile("-o", "out.pimb"), Code: 1, Stderr: strs("-o out.pimb and input lenet5.onnx are the same file")},
		{Name: "hardlink/sim-report-is-the-input", Setup: steps(withProgram, withImage, hardLink("in.npy", "r.json")),
			Args: sim("-report", "r.json"), Code: 1, Stderr: strs("-report r.json and -i in.npy are the same file")},

		// The same file as input and output, or as two outputs, per command.
		{Name: "same/asm", Setup: withProgram, Args: strs("asm", "lenet5.pasm", "-o", "lenet5.pasm"), Code: 1, Stderr: strs("-o lenet5.pasm and input lenet5.pasm are the same file")},
		{Name: "same/disasm", Setup: withProgram, Args: strs("disasm", "lenet5.pimb", "-o", "lenet5.pimb"), Code: 1, Stderr: strs("-o lenet5.pimb and input lenet5.pimb are the same file")},
		{Name: "same/compile-o-and-S", Setup: withLeNet, Args: compile("-o", "p.pimb", "-S", "./p.pimb"), Code: 1, Stderr: strs("-S ./p.pimb and -o p.pimb are the same file")},
		{Name: "same/compile-S-is-verify-input", Setup: steps(withLeNet, withImage), Args: compile("-o", "p.pimb", "-S", "in.npy", "-verify-with", "in.npy"), Code: 1, Stderr: strs("-S in.npy and -verify-with in.npy are the same file")},
		{Name: "same/compile-o-in-calib-folder", Setup: steps(withLeNet, npyDataset("ds", 2, "1\n1\n")), Args: compile("-o", "ds/x.npy", "-calib", "ds"), Code: 1, Stderr: strs("-o ds/x.npy is one of the files pimc reads from the -calib folder ds")},
		{Name: "same/compile-cpuprofile-is-target", Setup: steps(withLeNet, withFile("t.yaml", "name: x\n")), Args: compile("-o", "p.pimb", "-cpuprofile", "t.yaml", "-target", "t.yaml"), Code: 1, Stderr: strs("-cpuprofile t.yaml and -target t.yaml are the same file")},
		{Name: "same/compile-both-stdout", Setup: withLeNet, Args: compile("-o", "-", "-S", "-"), Code: 1, Stderr: strs("-S - and -o - both write to standard output")},
		{Name: "same/ir-dot-is-model", Setup: withLeNet, Args: strs("ir", "lenet5.onnx", "-dot", "lenet5.onnx"), Code: 1, Stderr: strs("-dot lenet5.onnx and input lenet5.onnx are the same file")},
		{Name: "same/run-o-is-input", Setup: steps(withLeNet, withImage), Args: strs("run", "lenet5.onnx", "-i", "in.npy", "-o", "in.npy"), Code: 1, Stderr: strs("-o in.npy and -i in.npy are the same file")},
		{Name: "same/sim-trace-is-program", Setup: steps(withProgram, withImage), Args: sim("-trace", "lenet5.pimb"), Code: 1, Stderr: strs("-trace lenet5.pimb and input lenet5.pimb are the same file")},
		{Name: "same/eval-report-in-dataset", Setup: steps(withProgram, npyDataset("ds", 2, "1\n1\n")), Args: strs("eval", "lenet5.pimb", "-dataset", "ds", "-report", "ds/labels.txt"), Code: 1, Stderr: strs("-report ds/labels.txt is one of the files pimc reads from the -dataset folder ds")},
		{Name: "same/train-o-in-dataset", Setup: npyDataset("ds", 2, "1\n1\n"), Args: strs("train", "lenet5", "-dataset", "ds", "-o", "ds/000.npy"), Code: 1, Stderr: strs("-o ds/000.npy is one of the files pimc reads from the -dataset folder ds")},
		{Name: "same/compress-checkpoint-is-config", Setup: steps(withLeNet, withFile("c.yaml", "defaults: {wbits: 4}\n"), npyDataset("ds", 2, "1\n1\n")),
			Args: strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "out.onnx", "-checkpoint", "c.yaml"), Code: 1, Stderr: strs("-checkpoint c.yaml and -config c.yaml are the same file")},
		{Name: "same/demo-o-overwrites-target", Setup: withFile("d/lenet5.onnx", "name: x\n"), Args: strs("demo", "-o", "d", "-target", "d/lenet5.onnx"), Code: 1, Stderr: strs("-o d/lenet5.onnx and -target d/lenet5.onnx are the same file")},

		// Read-only files and folders, missing folders, the wrong kind.
		{Name: "readonly/file", Setup: steps(withLeNet, withFile("ro.pimb", "keep"), chmod("ro.pimb", 0o444)), Args: compile("-o", "ro.pimb"), Code: 1, Stderr: strs("-o ro.pimb: is read-only")},
		{Name: "readonly/folder", Setup: steps(withLeNet, func(t *testing.T, dir string) { mkdir(t, dir, "ro", 0o555) }), Args: compile("-o", "ro/p.pimb"), Code: 1, Stderr: strs("-o ro/p.pimb: directory", "ro is not writable")},
		{Name: "readonly/folder-existing-file", Setup: steps(withLeNet, withFile("ro/p.pimb", "old"), chmod("ro", 0o555)), Args: compile("-o", "ro/p.pimb"), Code: 1, Stderr: strs("ro is not writable")},
		{Name: "readonly/print-dir-under-it", Setup: steps(withLeNet, func(t *testing.T, dir string) { mkdir(t, dir, "ro", 0o555) }), Args: compile("-o", "p.pimb", "-print-after", "all", "-print-dir", "ro/dumps"), Code: 1, Stderr: strs("-print-dir ro/dumps", "not writable")},
		{Name: "missing/S-folder", Setup: withLeNet, Args: compile("-o", "p.pimb", "-S", "no/such/p.pasm"), Code: 1, Stderr: strs("-S no/such/p.pasm: directory no/such does not exist")},
		{Name: "missing/trace-folder", Setup: steps(withProgram, withImage), Args: sim("-trace", "no/t.txt"), Code: 1, Stderr: strs("-trace no/t.txt: directory no does not exist")},
		{Name: "missing/cpuprofile-folder", Setup: withLeNet, Args: compile("-o", "p.pimb", "-cpuprofile", "no/cpu.prof"), Code: 1, Stderr: strs("-cpuprofile no/cpu.prof: directory no does not exist")},
		{Name: "kind/report-is-a-folder", Setup: steps(withProgram, withImage, func(t *testing.T, dir string) { mkdir(t, dir, "r", 0o755) }), Args: sim("-report", "r"), Code: 1, Stderr: strs("-report r: is a directory")},
		{Name: "kind/print-dir-is-a-file", Setup: steps(withLeNet, withFile("dumps", "x")), Args: compile("-o", "p.pimb", "-print-after", "all", "-print-dir", "dumps"), Code: 1, Stderr: strs("-print-dir dumps: exists and is not a directory")},

		// Existing outputs keep their mode and owner (the harness compares
		// them for every Modify file).
		{Name: "keep/mode-0600", Setup: steps(withLeNet, withFile("p.pimb", "old"), chmod("p.pimb", 0o600)), Args: compile("-o", "p.pimb"), Code: 0, Modify: strs("p.pimb"), Check: isPIMB("p.pimb")},
		{Name: "keep/owner-nobody", NeedRoot: true, Setup: steps(withLeNet, withFile("p.pimb", "old"), func(t *testing.T, dir string) {
			if err := os.Chown(filepath.Join(dir, "p.pimb"), 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}), Args: compile("-o", "p.pimb"), Code: 0, Modify: strs("p.pimb"), Check: isPIMB("p.pimb")},

		// "-": standard output where a command writes one file.
		{Name: "dash/disasm", Setup: withProgram, Args: strs("disasm", "lenet5.pimb", "-o", "-"), Code: 0, Stdout: strs("halt")},
		{Name: "dash/asm", Setup: withProgram, Args: strs("asm", "lenet5.pasm", "-o", "-"), Code: 0, Stdout: strs("PIMB"), Stderr: strs("-: ", "instructions")},
		{Name: "dash/compile-report-to-stderr", Setup: withLeNet, Args: compile("-o", "-", "-S", "p.pasm"), Code: 0, Stdout: strs("PIMB"), Stderr: strs("matrix layers"), Keep: strs("p.pasm")},
		{Name: "dash/sim-report", Setup: steps(withProgram, withImage), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-report", "-"), Code: 0, Stdout: strs(`"per_inference"`), Stderr: strs("latency")},
		{Name: "dash/run-o-refused", Setup: steps(withLeNet, withImage), Args: strs("run", "lenet5.onnx", "-i", "in.npy", "-o", "-"), Code: 2, Stderr: strs("-o -: standard output cannot be used here")},
		{Name: "dash/checkpoint-refused", Setup: withLeNet, Args: strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "o.onnx", "-checkpoint", "-"), Code: 2, Stderr: strs("-checkpoint -: standard output cannot be used here")},
		{Name: "dash/demo-folder-refused", Args: strs("demo", "-o", "-"), Code: 2, Stderr: strs("-o -: want a folder")},
	})
}
