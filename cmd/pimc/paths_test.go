//go:build linux

package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/tensorio"
)

// repoFile is the absolute path of a repository file, for tests that
// change into a temporary folder.
func repoFile(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", p))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// lenet5Model is the embedded demo model: it compiles in a fraction of a
// second.
const lenet5Model = "testdata/models/lenet5/lenet5.onnx"

// fileState is what a test must find unchanged: contents, inode, type and
// mode (a rename over the path changes the inode).
type fileState struct {
	data []byte
	info fs.FileInfo
}

func stateOf(t *testing.T, p string) fileState {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	if info.Mode().IsRegular() {
		data, _ = os.ReadFile(p)
	}
	return fileState{data, info}
}

func (s fileState) same(t *testing.T, p string) {
	t.Helper()
	now := stateOf(t, p)
	if !os.SameFile(s.info, now.info) || !bytes.Equal(s.data, now.data) || s.info.Mode() != now.info.Mode() {
		t.Errorf("%s changed (mode %v -> %v, %d -> %d bytes, same inode %v)", p, s.info.Mode(), now.info.Mode(), len(s.data), len(now.data), os.SameFile(s.info, now.info))
	}
}

// entries lists the names in dir, to show nothing was added.
func entries(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// pathsDir makes a folder with a model, a fake program, tensors, a config
// and a dataset folder: the same-file checks run before any of them is
// read, so their contents do not matter.
func pathsDir(t *testing.T) string {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"m.onnx": "model", "p.pimb": "program", "p.pasm": "assembly", "x.npy": "tensor", "y.pb": "tensor",
		"c.yaml": "config", "t.yaml": "target", "ds/train/labels.txt": "0\n", "ds/test/labels.txt": "0\n", "calib/a.npy": "tensor", "calib/sub/b.npy": "tensor",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("m.onnx", filepath.Join(dir, "link.onnx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "m.onnx"), filepath.Join(dir, "hard.onnx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("new.pimb", filepath.Join(dir, "dangling.pimb")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSameFileRefused: an output that is an input of the same command, or
// another of its outputs (by name, through a symbolic or hard link, or two
// new paths that resolve to one file), is refused with exit 1 before any
// work, naming both flags; no file changes and none is added. The old code
// wrote the output over the input.
func TestSameFileRefused(t *testing.T) {
	dir := pathsDir(t)
	t.Chdir(dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"asm", "p.pasm", "-o", "p.pasm"}, "-o p.pasm and input p.pasm are the same file"},
		{[]string{"disasm", "p.pimb", "-o", "p.pimb"}, "-o p.pimb and input p.pimb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "m.onnx"}, "-o m.onnx and input m.onnx are the same file"},
		{[]string{"compile", "m.onnx", "-o", "link.onnx"}, "-o link.onnx and input m.onnx are the same file"},
		{[]string{"compile", "link.onnx", "-o", "hard.onnx"}, "-o hard.onnx and input link.onnx are the same file"},
		{[]string{"compile", "m.onnx", "-o", "out.pimb", "-S", "out.pimb"}, "-S out.pimb and -o out.pimb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "sub/../out.pimb", "-S", "out.pimb"}, "-S out.pimb and -o sub/../out.pimb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "dangling.pimb", "-S", "new.pimb"}, "-S new.pimb and -o dangling.pimb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "out.pimb", "-S", "x.npy", "-verify-with", "x.npy"}, "-S x.npy and -verify-with x.npy are the same file"},
		{[]string{"compile", "m.onnx", "-o", "t.yaml", "-target", "t.yaml"}, "-o t.yaml and -target t.yaml are the same file"},
		{[]string{"compile", "m.onnx", "-o", "y.pb", "-bind", "w=y.pb"}, "-o y.pb and -bind w y.pb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "out.pimb", "-cpuprofile", "c.yaml", "-bind", "w=c.yaml"}, "-cpuprofile c.yaml and -bind w c.yaml are the same file"},
		{[]string{"compile", "m.onnx", "-o", "calib/sub/o.npz", "-calib", "calib"}, "-o calib/sub/o.npz is one of the files pimc reads from the -calib folder calib"},
		{[]string{"compile", "m.onnx", "-o", "out.pimb", "-S", "calib/a.npy", "-calib", "calib"}, "-S calib/a.npy is one of the files pimc reads from the -calib folder calib"},
		{[]string{"compile", "m.onnx", "-o", "out.pimb", "-print-dir", "out.pimb"}, "-print-dir out.pimb and -o out.pimb are the same file"},
		{[]string{"compile", "m.onnx", "-o", "-", "-S", "-"}, "-S - and -o - both write to standard output"},
		{[]string{"ir", "m.onnx", "-o", "m.onnx"}, "-o m.onnx and input m.onnx are the same file"},
		{[]string{"ir", "m.onnx", "-dot", "hard.onnx"}, "-dot hard.onnx and input m.onnx are the same file"},
		{[]string{"ir", "m.onnx", "-o", "g.pir", "-dot", "g.pir"}, "-dot g.pir and -o g.pir are the same file"},
		{[]string{"run", "m.onnx", "-i", "x.npy", "-o", "x.npy"}, "-o x.npy and -i x.npy are the same file"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-report", "x.npy"}, "-report x.npy and -i x.npy are the same file"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-trace", "p.pimb"}, "-trace p.pimb and input p.pimb are the same file"},
		{[]string{"sim", "p.pimb", "-i", "x.npy", "-o", "y.pb", "-report", "y.pb"}, "-report y.pb and -o y.pb are the same file"},
		{[]string{"eval", "p.pimb", "-dataset", "ds", "-report", "ds/test/r.npy"}, "-report ds/test/r.npy is one of the files pimc reads from the -dataset folder ds"},
		{[]string{"eval", "p.pimb", "-dataset", "ds", "-report", "t.yaml", "-target", "t.yaml"}, "-report t.yaml and -target t.yaml are the same file"},
		{[]string{"train", "lenet5", "-dataset", "ds", "-o", "ds/train/labels.txt"}, "-o ds/train/labels.txt is one of the files pimc reads from the -dataset folder ds"},
		{[]string{"train", "lenet5", "-dataset", "calib", "-o", "calib/x.npy"}, "-o calib/x.npy is one of the files pimc reads from the -dataset folder calib"},
		{[]string{"compress", "m.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "link.onnx"}, "-o link.onnx and input m.onnx are the same file"},
		{[]string{"compress", "m.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "out.onnx", "-checkpoint", "c.yaml"}, "-checkpoint c.yaml and -config c.yaml are the same file"},
		{[]string{"compress", "m.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "c.yaml.x", "-checkpoint", "c.yaml.x"}, "-checkpoint c.yaml.x and -o c.yaml.x are the same file"},
		{[]string{"compress", "m.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "y.pb", "-checkpoint", "y.pb", "-resume"}, "-o y.pb and -checkpoint y.pb are the same file"},
	} {
		before := map[string]fileState{}
		for _, n := range strings.Fields(entries(t, dir)) {
			before[n] = stateOf(t, n)
		}
		code, out, errs := runCLI(c.args...)
		cmd := "pimc " + c.args[0] + ": "
		if code != exitUser || !strings.Contains(errs, cmd+c.want) || out != "" {
			t.Errorf("pimc %s: exit %d, want %d and %q; stdout %q stderr:\n%s", strings.Join(c.args, " "), code, exitUser, cmd+c.want, out, errs)
		}
		for n, s := range before {
			s.same(t, n)
		}
		if got := entries(t, dir); len(strings.Fields(got)) != len(before) {
			t.Errorf("pimc %s: files added: %s", strings.Join(c.args, " "), got)
		}
	}
	// pimc demo -o DIR writes lenet5.onnx there: a -target of that name
	// is an input it would overwrite.
	os.Mkdir("d", 0o755)
	os.WriteFile("d/lenet5.onnx", []byte("target"), 0o644)
	code, _, errs := runCLI("demo", "-o", "d", "-target", "d/lenet5.onnx")
	if code != exitUser || !strings.Contains(errs, "-o d/lenet5.onnx and -target d/lenet5.onnx are the same file") {
		t.Errorf("demo: exit %d; stderr:\n%s", code, errs)
	}
}

// TestDashOutputs: "-" is standard output for every flag that writes one
// file, and the command's own report moves to stderr so stdout holds only
// the output; flags whose file must have a name refuse "-" as a usage
// error (exit 2) saying why. The old code wrote a file named "-".
func TestDashOutputs(t *testing.T) {
	model, dot := repoFile(t, lenet5Model), repoFile(t, "testdata/isa/dot.pasm")
	t.Chdir(t.TempDir())
	code, out, errs := runCLI("asm", dot, "-o", "-")
	if code != exitOK || !strings.Contains(errs, "-: ") || !strings.Contains(errs, "instructions") {
		t.Fatalf("asm -o -: exit %d; stderr:\n%s", code, errs)
	}
	if _, err := isa.DecodeBinary([]byte(out)); err != nil {
		t.Errorf("asm -o -: stdout is no program: %v", err)
	}
	code, out, errs = runCLI("compile", model, "-o", "-", "-S", "p.pasm")
	if code != exitOK || !strings.Contains(errs, "matrix layers") {
		t.Fatalf("compile -o -: exit %d; stderr:\n%s", code, errs)
	}
	if _, err := isa.DecodeBinary([]byte(out)); err != nil {
		t.Errorf("compile -o -: stdout is no program: %v", err)
	}
	os.WriteFile("p.pimb", []byte(out), 0o644)
	if code, out, _ := runCLI("disasm", "p.pimb", "-o", "-"); code != exitOK || !strings.Contains(out, "halt") {
		t.Errorf("disasm -o -: exit %d, stdout %.100q", code, out)
	}
	if code, out, _ := runCLI("ir", model, "-dot", "-"); code != exitOK || !strings.HasPrefix(out, "digraph") {
		t.Errorf("ir -dot -: exit %d, stdout %.100q (want the drawing alone)", code, out)
	}
	if code, out, _ := runCLI("ir", model, "-o", "-"); code != exitOK || !strings.HasPrefix(out, "pir 1\ngraph ") {
		t.Errorf("ir -o -: exit %d, stdout %.100q", code, out)
	}
	x := tensorFile(t, "x.npy", 1, 1, 28, 28)
	code, out, errs = runCLI("sim", "p.pimb", "-i", x, "-report", "-")
	if code != exitOK || !strings.HasPrefix(out, "{") || !strings.Contains(errs, "latency") {
		t.Errorf("sim -report -: exit %d, stdout %.100q (want the JSON alone); stderr:\n%.300s", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", model, "-i", x, "-o", "-"}, "-o -: standard output cannot be used here (the file name's extension"},
		{[]string{"sim", "p.pimb", "-i", x, "-o", "-"}, "-o -: standard output cannot be used here"},
		{[]string{"compress", model, "-dataset", "d", "-config", "c.yaml", "-o", "o.onnx", "-checkpoint", "-"}, "-checkpoint -: standard output cannot be used here (pimc reads the checkpoint back with -resume)"},
		{[]string{"demo", "-o", "-"}, "-o -: want a folder, not standard output"},
		{[]string{"compile", model, "-o", "q.pimb", "-print-dir", "-"}, "-print-dir -: want a folder, not standard output"},
	} {
		code, _, errs := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) || !strings.Contains(errs, "usage: pimc") {
			t.Errorf("pimc %s: exit %d, want %d and %q; stderr:\n%s", strings.Join(c.args, " "), code, exitUsage, c.want, errs)
		}
	}
	if got := entries(t, "."); got != "p.pasm p.pimb x.npy" {
		t.Errorf("files: %s", got)
	}
}

// tensorFile writes a tensor of zeros of the given shape to name.
func tensorFile(t *testing.T, name string, shape ...int) string {
	t.Helper()
	if err := tensorio.Write(name, tensor.New(tensor.Float32, shape...), "x"); err != nil {
		t.Fatal(err)
	}
	return name
}

// mknod makes a device node (root only; skipped otherwise).
func mknod(t *testing.T, p string, mode uint32, major, minor int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for mknod; run the tests as root to include it")
	}
	if err := syscall.Mknod(p, mode|0o666, major<<8|minor); err != nil {
		t.Skipf("mknod %s: %v", p, err)
	}
}

// TestOutputsToDevicesAndPipes: outputs that are character devices, pipes
// or symbolic links to them are written in place: pimc asm -o FULL (a
// /dev/full made with mknod) fails with "no space left" and the device
// stays a device (the old code replaced it with a 54 KB regular file, as it
// did /dev/full itself); a null device takes -o and -S at once; a pipe's
// reader gets the program; a block device is refused before any work.
func TestOutputsToDevicesAndPipes(t *testing.T) {
	model, dot := repoFile(t, lenet5Model), repoFile(t, "testdata/isa/dot.pasm")
	dir := t.TempDir()
	t.Chdir(dir)
	mknod(t, "full", syscall.S_IFCHR, 1, 7)
	mknod(t, "null", syscall.S_IFCHR, 1, 3)
	mknod(t, "disk", syscall.S_IFBLK, 7, 200)
	os.Symlink("full", "full-link")
	syscall.Mkfifo("pipe", 0o644)
	keep := map[string]fileState{}
	for _, n := range []string{"full", "null", "disk", "full-link", "pipe"} {
		keep[n] = stateOf(t, n)
	}
	for _, o := range []string{"full", "full-link"} {
		code, _, errs := runCLI("asm", dot, "-o", o)
		if code != exitUser || !strings.Contains(errs, "pimc asm: write "+o+": no space left on device") {
			t.Errorf("asm -o %s: exit %d; stderr:\n%s", o, code, errs)
		}
	}
	if code, _, errs := runCLI("compile", model, "-o", "null", "-S", "null"); code != exitOK {
		t.Errorf("compile -o null -S null: exit %d; stderr:\n%s", code, errs)
	}
	if code, _, errs := runCLI("compile", "nosuch.onnx", "-o", "disk"); code != exitUser || !strings.Contains(errs, "-o disk: is a block device") {
		t.Errorf("compile -o disk: exit %d; stderr:\n%s", code, errs)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open("pipe")
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	if code, _, errs := runCLI("compile", model, "-o", "pipe"); code != exitOK {
		t.Errorf("compile -o pipe: exit %d; stderr:\n%s", code, errs)
	}
	if _, err := isa.DecodeBinary(<-got); err != nil {
		t.Errorf("the pipe's reader got no program: %v", err)
	}
	for n, s := range keep {
		s.same(t, n)
	}
	if got := entries(t, dir); got != "disk full full-link null pipe" {
		t.Errorf("files: %s", got)
	}
}

// TestOutputThroughSymlinkKeepsMode: -o through a symbolic link writes the
// link's target in its own folder and keeps its 0600 mode; the link stays.
// The old code replaced the link with a 0644 regular file.
func TestOutputThroughSymlinkKeepsMode(t *testing.T) {
	model := repoFile(t, lenet5Model)
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("real", 0o755)
	os.WriteFile("real/p.pimb", []byte("old"), 0o600)
	os.Symlink("real/p.pimb", "p.pimb")
	if code, _, errs := runCLI("compile", model, "-o", "p.pimb"); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if l, err := os.Readlink("p.pimb"); err != nil || l != "real/p.pimb" {
		t.Errorf("p.pimb is no longer the link: %q %v", l, err)
	}
	st, _ := os.Stat("real/p.pimb")
	b, _ := os.ReadFile("real/p.pimb")
	if _, err := isa.DecodeBinary(b); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("real/p.pimb: mode %v, program %v", st.Mode(), err)
	}
	if got := entries(t, "real"); got != "p.pimb" {
		t.Errorf("real/ holds %s", got)
	}
}

// TestUnwritableOutputsRefused: a read-only file, a read-only folder, a
// folder where a file is wanted and a file where a folder is wanted are
// refused with exit 1 before any input is read (the model does not exist,
// and that is not what is reported); nothing changes. The old code
// replaced the read-only file and, run as root, wrote into the read-only
// folder.
func TestUnwritableOutputsRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("ro.pimb", []byte("protected"), 0o444)
	os.Mkdir("rodir", 0o555)
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "rodir"), 0o755) })
	os.Mkdir("adir", 0o755)
	keep := map[string]fileState{}
	for _, n := range []string{"ro.pimb", "rodir", "adir"} {
		keep[n] = stateOf(t, n)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compile", "nosuch.onnx", "-o", "ro.pimb"}, "-o ro.pimb: is read-only (mode -r--r--r--)"},
		{[]string{"compile", "nosuch.onnx", "-o", "rodir/p.pimb"}, "-o rodir/p.pimb: directory " + filepath.Join(dir, "rodir") + " is not writable (mode dr-xr-xr-x)"},
		{[]string{"compile", "nosuch.onnx", "-o", "p.pimb", "-S", "adir"}, "-S adir: is a directory"},
		{[]string{"compile", "nosuch.onnx", "-o", "p.pimb", "-print-dir", "ro.pimb"}, "-print-dir ro.pimb: exists and is not a directory"},
		{[]string{"compile", "nosuch.onnx", "-o", "p.pimb", "-print-dir", "rodir/dumps"}, "-print-dir rodir/dumps: directory rodir is not writable"},
		{[]string{"sim", "nosuch.pimb", "-i", "x.npy", "-report", "rodir/r.json"}, "-report rodir/r.json: directory " + filepath.Join(dir, "rodir") + " is not writable"},
		{[]string{"run", "nosuch.onnx", "-i", "x.npy", "-o", "rodir/outs"}, "-o rodir/outs: directory rodir is not writable"},
		{[]string{"demo", "-o", "ro.pimb"}, "-o ro.pimb: exists and is not a directory"},
	} {
		code, _, errs := runCLI(c.args...)
		if code != exitUser || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, want %d and %q; stderr:\n%s", strings.Join(c.args, " "), code, exitUser, c.want, errs)
		}
	}
	for n, s := range keep {
		s.same(t, n)
	}
	if got := entries(t, dir); got != "adir ro.pimb rodir" {
		t.Errorf("files: %s", got)
	}
}

// tinyDataset makes a dataset folder with n images per split, two classes.
func tinyDataset(t *testing.T, dir string, n int) {
	t.Helper()
	for _, split := range []string{"train", "test"} {
		d := filepath.Join(dir, split)
		os.MkdirAll(d, 0o755)
		var labels strings.Builder
		for i := range n {
			x := tensor.New(tensor.Float32, 1, 28, 28)
			for j := range x.F32 {
				x.F32[j] = float32((i+j)%3) / 2
			}
			if err := tensorio.Write(filepath.Join(d, "img"+string(rune('a'+i))+".npy"), x, ""); err != nil {
				t.Fatal(err)
			}
			labels.WriteString([]string{"0\n", "1\n"}[i%2])
		}
		os.WriteFile(filepath.Join(d, "labels.txt"), []byte(labels.String()), 0o644)
	}
}

// TestTrainWritesStreamsOnce: pimc train rewrites a file output after every
// epoch, but writes standard output (-o -) or a pipe once, at the end: the
// reader gets exactly one model, which imports (the old code replaced the
// pipe with a regular file, and knew no "-").
func TestTrainWritesStreamsOnce(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tinyDataset(t, "ds", 4)
	args := []string{"train", "lenet5", "-dataset", "ds", "-epochs", "2", "-batch", "2", "-o"}
	code, out, errs := runCLI(append(args, "-")...)
	if code != exitOK || !strings.Contains(errs, "-: lenet5 trained 2 epochs") {
		t.Fatalf("train -o -: exit %d; stderr:\n%s", code, errs)
	}
	if _, err := frontend.Import("stdout", []byte(out), frontend.Options{}); err != nil {
		t.Errorf("train -o -: stdout is no model: %v", err)
	}
	// The reader counts the writers' sessions until the end marker, which
	// the test writes after the run. The marker may join the last session
	// (the test can open the pipe while the reader still holds it open),
	// so it is cut off the end of whatever session carries it; an empty
	// session would hang the reader in that case.
	const end = "\x00end of test\x00"
	syscall.Mkfifo("pipe", 0o644)
	sessions := make(chan [][]byte, 1)
	go func() {
		var got [][]byte
		for {
			f, err := os.Open("pipe")
			if err != nil {
				break
			}
			b, _ := io.ReadAll(f)
			f.Close()
			b, last := bytes.CutSuffix(b, []byte(end))
			if len(b) > 0 {
				got = append(got, b)
			}
			if last {
				break
			}
		}
		sessions <- got
	}()
	done := make(chan int, 1)
	go func() {
		code, _, errs := runCLI(append(args, "pipe")...)
		if code != exitOK {
			t.Errorf("train -o pipe: exit %d; stderr:\n%s", code, errs)
		}
		done <- code
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("train -o pipe did not finish: it writes the pipe more than once (no reader for the second write)")
	}
	if f, err := os.OpenFile("pipe", os.O_WRONLY, 0); err == nil {
		f.WriteString(end)
		f.Close()
	}
	if got := <-sessions; len(got) != 1 || !bytes.Equal(got[0], []byte(out)) {
		t.Errorf("the pipe's reader got %d writes, want one: the model -o - gives", len(got))
	}
	if st, _ := os.Lstat("pipe"); st.Mode().Type() != fs.ModeNamedPipe {
		t.Errorf("pipe is now %v", st.Mode())
	}
}

// TestCompressToStdout: pimc compress -o - writes the model to stdout and
// its report to stderr, checks the model from the bytes it wrote (the old
// code re-read the file, which a pipe cannot give back) and leaves no
// checkpoint.
func TestCompressToStdout(t *testing.T) {
	model := repoFile(t, lenet5Model)
	t.Chdir(t.TempDir())
	tinyDataset(t, "ds", 4)
	os.WriteFile("c.yaml", []byte("defaults: {prune: {filter: 0.5}, wbits: 4}\nadmm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, limit: 4, batch: 2, lr: 0.05, calib_images: 4, layerwise_iters: 2}\n"), 0o644)
	code, out, errs := runCLI("compress", model, "-dataset", "ds", "-config", "c.yaml", "-o", "-")
	if code != exitOK || !strings.Contains(errs, "-: admm compression") || !strings.Contains(errs, "weights kept") {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if _, err := frontend.Import("stdout", []byte(out), frontend.Options{}); err != nil {
		t.Errorf("stdout is no model: %v", err)
	}
	if got := entries(t, "."); got != "c.yaml ds" {
		t.Errorf("files: %s", got)
	}
}
