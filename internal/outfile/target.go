package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks is how many symbolic links Resolve follows before it gives up, as
// the kernel's ELOOP limit.
const maxLinks = 40

// target is what an output path resolves to.
type target struct {
	path string      // as the caller gave it, for messages
	real string      // absolute, every symbolic link followed: the file written
	info fs.FileInfo // of real (Stat); nil when it does not exist yet
	// direct: written in place (device, pipe, socket, /proc), never replaced.
	direct bool
}

// Resolve returns the absolute path of the file that writing path would
// write: every symbolic link followed, in the folders and in the last
// component, including a dangling link (whose target does not exist yet).
// A path that reaches /proc is returned there, since the links below it
// (/proc/self/fd/N) are not paths. It fails when a folder on the way does
// not exist or the links loop.
func Resolve(path string) (string, error) {
	real, err := resolve(path)
	if err != nil {
		return "", &os.PathError{Op: "resolve", Path: path, Err: err}
	}
	return real, nil
}

func resolve(path string) (string, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	for hops := 0; ; hops++ {
		if inProc(p) {
			return p, nil
		}
		dir, base := filepath.Split(p)
		rdir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return "", dirProblem(path, p, hops, err)
		}
		p = filepath.Join(rdir, base)
		if inProc(p) {
			return p, nil
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if hops == maxLinks {
			return "", fmt.Errorf("more than %d symbolic links (a loop?)", maxLinks)
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(rdir, link)
		}
		p = filepath.Clean(link)
	}
}

// dirProblem explains why the folder of p (reached from path after hops
// links) cannot hold an output.
func dirProblem(path, p string, hops int, err error) error {
	dir := filepath.Dir(p)
	if hops == 0 {
		dir = filepath.Dir(path) // the folder as the user wrote it
	}
	how := ""
	if hops > 0 {
		how = fmt.Sprintf(" (%s is a symbolic link to %s)", path, p)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist%s", dir, how)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%s is not a directory%s", dir, how)
	}
	return fmt.Errorf("directory %s: %w%s", dir, err, how)
}

// inProc reports whether p lies under /proc, whose entries are written
// directly: /proc/self/fd/1 (where /dev/stdout leads) is a link to whatever
// standard output is (a pipe, a terminal, a file opened for appending),
// not a path to replace.
func inProc(p string) bool {
	return p == "/proc" || strings.HasPrefix(p, "/proc/")
}

// inspect resolves path and decides how it is written, refusing the kinds
// of file that pimc must not write or cannot write. The error is an
// *os.PathError naming path.
func inspect(path string) (*target, error) {
	refuse := func(op string, err error) (*target, error) {
		return nil, &os.PathError{Op: op, Path: path, Err: err}
	}
	if path == "" {
		return refuse("create", errors.New("empty file name"))
	}
	real, err := resolve(path)
	if err != nil {
		return refuse("create", err)
	}
	t := &target{path: path, real: real}
	fi, err := os.Stat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if inProc(real) {
			return refuse("create", errors.New("does not exist (files under /proc are not created)"))
		}
		if err := checkDirWritable(filepath.Dir(real)); err != nil {
			return refuse("create", err)
		}
		return t, nil
	case err != nil:
		return refuse("write", unwrapPath(err))
	}
	t.info = fi
	m := fi.Mode()
	switch {
	case m.IsDir():
		return refuse("write", errors.New("is a directory"))
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0:
		return refuse("write", errors.New("is a block device (pimc writes only files, character devices, pipes and sockets)"))
	case m&(fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 || inProc(real):
		t.direct = true
		if err := checkWritable(real, fi, "is not writable"); err != nil {
			return refuse("write", err)
		}
		return t, nil
	case !m.IsRegular():
		return refuse("write", fmt.Errorf("is not a regular file, character device, pipe or socket (%s)", m.Type()))
	}
	if err := checkWritable(real, fi, "is read-only"); err != nil {
		return refuse("write", err)
	}
	if err := checkDirWritable(filepath.Dir(real)); err != nil {
		return refuse("write", err)
	}
	return t, nil
}

// checkWritable refuses a file this process may not write (access(2)) or
// that has no write bit for anyone: such a file is protected on purpose,
// and root, whom access(2) lets write anything, must not replace it either.
func checkWritable(real string, fi fs.FileInfo, what string) error {
	if fi.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("%s (mode %s)", what, fi.Mode().Perm())
	}
	if err := access(real, accessWrite); err != nil {
		return fmt.Errorf("%s (%v)", what, err)
	}
	return nil
}

// checkDirWritable refuses a folder a new file cannot be made in.
func checkDirWritable(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return unwrapPath(err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("directory %s is not writable (mode %s)", dir, fi.Mode()&(fs.ModeDir|fs.ModePerm))
	}
	if err := access(dir, accessWrite|accessSearch); err != nil {
		return fmt.Errorf("directory %s is not writable (%v)", dir, err)
	}
	return nil
}

// unwrapPath drops the *PathError around err: callers name the path the
// user gave, not the resolved one.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Check tells whether path can be written as an output, without creating or
// changing anything: the same tests Create makes. The error is an
// *os.PathError naming path; its Err says what is wrong.
func Check(path string) error {
	_, err := inspect(path)
	return err
}

// WritesThrough reports whether path is written directly (a character
// device, a pipe, a socket or a path through /proc) rather than replaced:
// such an output sees every write, so a command that writes a file more
// than once (pimc train after every epoch) writes it only once there.
func WritesThrough(path string) bool {
	t, err := inspect(path)
	return err == nil && t.direct
}
