//go:build unix

package battery

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// A child's peak RSS from rusage is not its own on Linux: os/exec starts
// it with vfork (CLONE_VM), so until exec it runs on the parent's memory,
// and exec records that memory's high-water mark as the child's. A test
// process that ever held a large buffer would make every later child look
// as large. So pimc is not started by the test process itself but by a
// trampoline, a fresh copy of the test binary (measureEnv set) that holds
// nothing but its runtime: it starts pimc, waits for it and reports pimc's
// rusage and exit status on file descriptor 3. What remains of the
// trampoline's own size (a few MiB) is a constant floor.

// measureEnv marks the test binary started as a trampoline.
const measureEnv = "PIMC_BATTERY_MEASURE"

// measured is what the trampoline reports of one pimc run.
type measured struct {
	code      int // -1 when killed by a signal
	signal    syscall.Signal
	maxRSSKiB int64
}

// runMeasured runs pimc with args through the trampoline; the caller sets
// dir, env, stdin, stdout and stderr on the returned command's fields
// through setup. A context deadline kills the whole process group.
func runMeasured(ctx context.Context, args []string, setup func(*exec.Cmd)) (measured, error) {
	self, err := os.Executable()
	if err != nil {
		return measured{}, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return measured{}, err
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, self, append([]string{pimcBin}, args...)...)
	setup(cmd)
	cmd.Env = append(cmd.Env, measureEnv+"=1")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		w.Close()
		return measured{}, err
	}
	w.Close()
	line, _ := bufio.NewReader(r).ReadString('\n')
	cmd.Wait()
	var m measured
	var sig int
	if _, err := fmt.Sscanf(line, "%d %d %d", &m.code, &sig, &m.maxRSSKiB); err != nil {
		if ctx.Err() != nil {
			return measured{code: -1, signal: syscall.SIGKILL}, nil
		}
		return measured{}, fmt.Errorf("trampoline gave no report (%q): %v", strings.TrimSpace(line), err)
	}
	m.signal = syscall.Signal(sig)
	return m, nil
}

// trampoline is main for the test binary started with measureEnv: run
// args, report on fd 3, exit.
func trampoline(args []string) int {
	report := os.NewFile(3, "report")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, measureEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "battery trampoline: %v\n", err)
		return 125
	}
	cmd.Wait()
	st := cmd.ProcessState
	sig := 0
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig = int(ws.Signal())
	}
	var rss int64
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		rss = maxRSSKiB(ru)
	}
	fmt.Fprintf(report, "%d %d %d\n", st.ExitCode(), sig, rss)
	return 0
}

// TestMeasureIsTheChildsOwn: a test process that has held a large buffer
// does not make pimc's peak RSS look large (it would with a plain
// exec.Command; see the comment at the top of this file).
func TestMeasureIsTheChildsOwn(t *testing.T) {
	big := make([]byte, 256<<20)
	for i := range big {
		big[i] = byte(i)
	}
	m, err := runMeasured(context.Background(), []string{"help"}, func(cmd *exec.Cmd) { cmd.Env = os.Environ() })
	runtime.KeepAlive(big)
	if err != nil {
		t.Fatal(err)
	}
	if m.code != 0 || m.maxRSSKiB <= 0 || m.maxRSSKiB > 64<<10 {
		t.Fatalf("pimc help: exit %d, peak RSS %d KiB; want exit 0 and a peak well below the test's 256 MiB buffer", m.code, m.maxRSSKiB)
	}
	t.Logf("pimc help: peak RSS %.1f MiB while the test process holds 256 MiB", float64(m.maxRSSKiB)/1024)
}
