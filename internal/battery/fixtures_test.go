//go:build unix

package battery

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Fixtures shared by the cases: repository files copied into a case's
// directory, and programs compiled once per test binary by the pimc under
// test (so they always match its format).

// lenet5Path is the embedded demo model (input "input" [1 1 28 28]).
const lenet5Path = "testdata/models/lenet5/lenet5.onnx"

// copyRepo copies a file of the repository into dir under name.
func copyRepo(t *testing.T, repoPath, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), repoPath))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, b)
}

// writeFile writes data to dir/name, making parent directories.
func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeText is writeFile for text.
func writeText(t *testing.T, dir, name, text string) {
	t.Helper()
	writeFile(t, dir, name, []byte(text))
}

// npyFloat32 encodes a little-endian float32 NumPy v1.0 array. It is
// written here rather than taken from pimc so the battery does not test
// pimc's reader with pimc's own writer.
func npyFloat32(shape []int, data []float32) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	// magic (6) + version (2) + header length (2) + header + '\n',
	// padded with spaces to a multiple of 64.
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += strings.Repeat(" ", pad) + "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	out = append(out, header...)
	for _, v := range data {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

// writeNPY writes a float32 .npy of shape filled with fill(i).
func writeNPY(t *testing.T, dir, name string, shape []int, fill func(i int) float32) {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = fill(i)
	}
	writeFile(t, dir, name, npyFloat32(shape, data))
}

// digitLike is a deterministic MNIST-sized image: a bright bar on dark.
func digitLike(i int) float32 {
	if x, y := i%28, i/28; x >= 12 && x < 16 && y >= 4 && y < 24 {
		return 1
	}
	return 0
}

// program names a compiled fixture: the LeNet-5 demo model compiled by
// the binary under test with the given extra flags.
type program struct {
	once sync.Once
	dir  string
	err  error
	out  string
}

var (
	programsMu sync.Mutex
	programs   = map[string]*program{}
	fixtureDir string
)

// compiledLeNet returns the path of lenet5.pimb compiled with flags (and its
// -S listing beside it as lenet5.pasm), built once per distinct flags.
func compiledLeNet(t *testing.T, flags ...string) (pimb, pasm string) {
	t.Helper()
	key := strings.Join(flags, " ")
	programsMu.Lock()
	if fixtureDir == "" {
		d, err := os.MkdirTemp("", "pimc-battery-fixtures-")
		if err != nil {
			programsMu.Unlock()
			t.Fatal(err)
		}
		fixtureDir = d
	}
	p := programs[key]
	if p == nil {
		p = &program{dir: filepath.Join(fixtureDir, fmt.Sprintf("prog%d", len(programs)))}
		programs[key] = p
	}
	programsMu.Unlock()
	p.once.Do(func() {
		if p.err = os.MkdirAll(p.dir, 0o755); p.err != nil {
			return
		}
		model := filepath.Join(p.dir, "lenet5.onnx")
		b, err := os.ReadFile(filepath.Join(repoRoot(), lenet5Path))
		if err != nil {
			p.err = err
			return
		}
		if p.err = os.WriteFile(model, b, 0o644); p.err != nil {
			return
		}
		args := append([]string{"compile", model, "-o", filepath.Join(p.dir, "lenet5.pimb"), "-S", filepath.Join(p.dir, "lenet5.pasm")}, flags...)
		cmd := exec.Command(pimcBin, args...)
		cmd.Dir = p.dir
		out, err := cmd.CombinedOutput()
		p.out = string(out)
		if err != nil {
			p.err = fmt.Errorf("pimc %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if p.err != nil {
		t.Fatalf("fixture: %v", p.err)
	}
	return filepath.Join(p.dir, "lenet5.pimb"), filepath.Join(p.dir, "lenet5.pasm")
}

// copyFile copies src into dir under name.
func copyFile(t *testing.T, src, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, b)
}

// readFile reads dir/name.
func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mkfifo makes a named pipe dir/name.
func mkfifo(t *testing.T, dir, name string) {
	t.Helper()
	if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mknodChar makes a character device dir/name with the device number of
// an existing device (e.g. /dev/null, /dev/full), so the case works on
// the device itself without touching /dev. Root only.
func mknodChar(t *testing.T, dir, name, like string) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(like, &st); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(filepath.Join(dir, name), syscall.S_IFCHR|0o666, int(st.Rdev)); err != nil {
		t.Fatalf("mknod %s like %s: %v", name, like, err)
	}
}

// symlink makes dir/name point to target.
func symlink(t *testing.T, dir, target, name string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// mkdir makes dir/name with perm.
func mkdir(t *testing.T, dir, name string, perm os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

// cleanFixtures removes the compiled fixtures (called by TestMain).
func cleanFixtures() {
	programsMu.Lock()
	defer programsMu.Unlock()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
}

// steps chains Setup functions.
func steps(fs ...func(t *testing.T, dir string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, f := range fs {
			f(t, dir)
		}
	}
}

// withLeNet copies the demo model into the case as lenet5.onnx.
func withLeNet(t *testing.T, dir string) { copyRepo(t, lenet5Path, dir, "lenet5.onnx") }

// withImage writes one MNIST-sized input image as in.npy.
func withImage(t *testing.T, dir string) {
	writeNPY(t, dir, "in.npy", []int{1, 1, 28, 28}, digitLike)
}

// withProgram copies the default compiled LeNet-5 into the case as
// lenet5.pimb and lenet5.pasm.
func withProgram(t *testing.T, dir string) {
	pimb, pasm := compiledLeNet(t)
	copyFile(t, pimb, dir, "lenet5.pimb")
	copyFile(t, pasm, dir, "lenet5.pasm")
}
