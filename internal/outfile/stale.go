package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A writer killed with SIGKILL (or by the OOM killer, or a power cut) runs
// no cleanup. Its O_TMPFILE file has no name and vanishes with it, but a
// named temporary file stays: the fallback of systems without O_TMPFILE,
// and, on Linux, the name linkUnnamed gives the file for the instant
// between linking it and renaming it over an existing target. Every
// temporary file is therefore locked (flock) by its writer from before it
// has a name until Commit or Abort closes it; the kernel drops the lock
// when the process dies, however it dies. A temporary file of a target
// that no process holds locked belongs to a dead writer: RemoveStale
// removes those, and Create calls it for its target, so the next write of
// a path cleans up after a killed one while concurrent writers' files are
// left alone. Where flock is not available nothing is taken for stale.

// tempPrefix is how the temporary files of the resolved path real begin
// (tempName adds 16 hexadecimal digits).
func tempPrefix(real string) string { return "." + filepath.Base(real) + ".tmp-" }

// isTempOf reports whether name is tempPrefix followed by the 16 lower-case
// hexadecimal digits of tempName.
func isTempOf(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) != 16 {
		return false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// RemoveStale removes the temporary files that writers of path (symbolic
// links followed, as Create follows them) left when they died before
// Commit or Abort, and returns their names. Temporary files a live writer
// holds are kept; a folder that does not exist is not an error.
func RemoveStale(path string) ([]string, error) {
	real, err := resolve(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, &os.PathError{Op: "remove stale temporary files of", Path: path, Err: err}
	}
	return removeStale(real)
}

func removeStale(real string) ([]string, error) {
	if inProc(real) {
		return nil, nil
	}
	dir, prefix := filepath.Dir(real), tempPrefix(real)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("remove stale temporary files of %s: %w", real, err)
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !isTempOf(e.Name(), prefix) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		dead, err := unlocked(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // its writer committed or aborted meanwhile
		}
		if err != nil {
			return removed, fmt.Errorf("remove stale temporary files of %s: %w", real, err)
		}
		if !dead {
			continue
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove stale temporary file %s: %w", name, err)
		}
		removed = append(removed, name)
	}
	return removed, nil
}
