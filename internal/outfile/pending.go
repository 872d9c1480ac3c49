package outfile

import (
	"errors"
	"os"
	"sync"
)

// errInterrupted is Commit's error after AbortPending.
var errInterrupted = errors.New("interrupted: output not written")

// pending records what an interrupted run must remove: the named temporary
// files of outputs not yet committed (O_TMPFILE ones have no name to
// remove) and the folders registered with RemoveOnAbort. Commit publishes
// under its lock, so AbortPending never runs in the middle of a rename.
var pending = struct {
	sync.Mutex
	temps   map[string]bool
	dirs    map[string]bool
	aborted bool
}{temps: map[string]bool{}, dirs: map[string]bool{}}

// createTemp creates the named temporary file name (O_EXCL) and registers
// it for AbortPending under one hold of the lock: a signal arriving between
// the creation and a later registration would let AbortPending miss a file
// that already exists, and the run would exit leaving it behind.
func createTemp(name string, perm os.FileMode) (*os.File, error) {
	pending.Lock()
	defer pending.Unlock()
	if pending.aborted {
		return nil, errInterrupted
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm.Perm())
	if err != nil {
		return nil, err
	}
	pending.temps[name] = true
	return f, nil
}

// forgetTemp unregisters name without removing it (a name that turned out
// not to be the file this run created: stale.go removed it meanwhile).
func forgetTemp(name string) {
	pending.Lock()
	defer pending.Unlock()
	delete(pending.temps, name)
}

// removeTemp removes a named temporary file and forgets it.
func removeTemp(name string) {
	if name == "" {
		return
	}
	pending.Lock()
	defer pending.Unlock()
	os.Remove(name)
	delete(pending.temps, name)
}

// AbortPending removes the temporary files of every output not yet
// committed and every folder registered with RemoveOnAbort, and makes later
// commits fail, so a run stopped by a signal leaves no partial output. It
// returns how many files and folders it removed. The CLI calls it from its
// signal handler, just before exiting.
func AbortPending() int {
	pending.Lock()
	defer pending.Unlock()
	pending.aborted = true
	n := 0
	for name := range pending.temps {
		if os.Remove(name) == nil {
			n++
		}
		delete(pending.temps, name)
	}
	for dir := range pending.dirs {
		if os.RemoveAll(dir) == nil {
			n++
		}
		delete(pending.dirs, dir)
	}
	return n
}

// RemoveOnAbort registers a folder that only this run uses (pimc demo's
// temporary folder) for removal, with its contents, by AbortPending; keep
// unregisters it once the run has succeeded and the folder is its result.
func RemoveOnAbort(dir string) (keep func()) {
	pending.Lock()
	defer pending.Unlock()
	pending.dirs[dir] = true
	return func() {
		pending.Lock()
		defer pending.Unlock()
		delete(pending.dirs, dir)
	}
}
