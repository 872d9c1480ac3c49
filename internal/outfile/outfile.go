package outfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile writes data to path as an output (see the package doc) with
// permissions perm for a new file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// File is a pending output. Write to it, then call Commit to publish it or
// Abort to drop it; `defer f.Abort()` after Create is safe.
type File struct {
	t *target
	w io.WriteCloser // the temporary file, or the device, pipe or socket
	// f is the temporary file of a regular target (nil when direct); tmp
	// its name when it has one (not O_TMPFILE).
	f    *os.File
	tmp  string
	done bool
	werr error // the first write error, reported again by Commit
}

// Create starts writing the output path. A new regular file gets
// permissions perm (less the umask); an existing one keeps its own.
func Create(path string, perm os.FileMode) (*File, error) {
	t, err := inspect(path)
	if err != nil {
		return nil, err
	}
	if t.direct {
		return openDirect(t)
	}
	return openTemp(t, perm)
}

// openDirect opens a device, pipe, socket or /proc file for writing in
// place: no O_TRUNC (devices refuse it or ignore it), O_APPEND under /proc
// so /dev/stdout redirected to a file with >> is appended to, not
// overwritten from its start.
func openDirect(t *target) (*File, error) {
	if t.info.Mode()&fs.ModeSocket != 0 {
		c, err := net.Dial("unix", t.real)
		if errors.Is(err, syscall.EPROTOTYPE) {
			c, err = net.Dial("unixgram", t.real)
		}
		if err != nil {
			return nil, &os.PathError{Op: "connect", Path: t.path, Err: unwrapNet(err)}
		}
		return &File{t: t, w: c}, nil
	}
	flags := os.O_WRONLY
	if inProc(t.real) {
		flags |= os.O_APPEND
	}
	f, err := os.OpenFile(t.real, flags, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: t.path, Err: unwrapPath(err)}
	}
	return &File{t: t, w: f}, nil
}

// openTemp makes the temporary file of a regular target in the target's
// folder, with the mode and owner the target will have.
func openTemp(t *target, perm os.FileMode) (*File, error) {
	dir := filepath.Dir(t.real)
	removeStale(t.real) // best effort: a folder may be writable but not readable
	f, err := openUnnamed(dir, perm)
	tmp := ""
	if err == nil {
		lockTemp(f) // before linkUnnamed gives it a name (stale.go)
	}
	if errors.Is(err, errUnsupported) {
		tmp, f, err = openNamed(t.real, perm)
	}
	if err != nil {
		return nil, &os.PathError{Op: "create", Path: t.path, Err: unwrapPath(err)}
	}
	if t.info != nil {
		// Owner first: chown clears the set-user-ID and set-group-ID bits,
		// which the chmod then restores.
		keepOwner(f, t.info)
		keep := t.info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if err := f.Chmod(keep); err != nil {
			f.Close()
			removeTemp(tmp)
			return nil, &os.PathError{Op: "create", Path: t.path, Err: unwrapPath(err)}
		}
	}
	return &File{t: t, w: f, f: f, tmp: tmp}, nil
}

// openNamed creates a new hidden temporary file next to real (O_EXCL, so
// it is ours) registered for AbortPending (createTemp) and locks it
// (stale.go). A
// RemoveStale between the creation and the lock may have removed it as
// stale, hence the check that the name is still the locked file.
func openNamed(real string, perm os.FileMode) (string, *os.File, error) {
	for range 10 {
		name := tempName(real)
		f, err := createTemp(name, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		lockTemp(f)
		if !sameFile(f, name) {
			f.Close()
			forgetTemp(name)
			continue
		}
		return name, f, nil
	}
	return "", nil, errors.New("no free temporary file name")
}

// sameFile reports whether name is the open file f.
func sameFile(f *os.File, name string) bool {
	fi, err1 := f.Stat()
	ni, err2 := os.Stat(name)
	return err1 == nil && err2 == nil && os.SameFile(fi, ni)
}

// tempName is a fresh hidden name in the folder of real.
func tempName(real string) string {
	var b [8]byte
	rand.Read(b[:])
	return filepath.Join(filepath.Dir(real), "."+filepath.Base(real)+".tmp-"+hex.EncodeToString(b[:]))
}

// Write writes to the output; an error names the output path (never the
// temporary file) and is returned again by Commit.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, &os.PathError{Op: "write", Path: f.t.path, Err: os.ErrClosed}
	}
	n, err := f.w.Write(p)
	if err != nil {
		err = &os.PathError{Op: "write", Path: f.t.path, Err: unwrapNet(unwrapPath(err))}
		if f.werr == nil {
			f.werr = err
		}
	}
	return n, err
}

// Commit publishes the output: a regular file is synced and takes the
// target's name in one step; a device, pipe or socket is closed. After a
// failed write Commit drops the output and returns that error.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("outfile: %s already committed or aborted", f.t.path)
	}
	if f.werr != nil {
		f.Abort()
		return f.werr
	}
	f.done = true
	fail := func(err error) error {
		return &os.PathError{Op: "write", Path: f.t.path, Err: unwrapPath(err)}
	}
	if f.f == nil {
		if err := f.w.Close(); err != nil {
			return fail(unwrapNet(err))
		}
		return nil
	}
	if err := f.f.Sync(); err != nil {
		f.drop()
		return fail(err)
	}
	if err := publish(f); err != nil {
		f.drop()
		if st, serr := os.Stat(f.t.real); serr == nil && st.IsDir() {
			return fail(errors.New("is a directory"))
		}
		return fail(err)
	}
	if err := f.f.Close(); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(f.t.real))
	return nil
}

// publish gives the temporary file the target's name, unless AbortPending
// ran: under the registry's lock, so an interrupt never sees it half done.
func publish(f *File) error {
	pending.Lock()
	defer pending.Unlock()
	if pending.aborted {
		return errInterrupted
	}
	if f.tmp == "" {
		return linkUnnamed(f.f, f.t.real)
	}
	if err := os.Rename(f.tmp, f.t.real); err != nil {
		return unwrapLink(err)
	}
	delete(pending.temps, f.tmp)
	f.tmp = ""
	return nil
}

// linkUnnamed links an O_TMPFILE file to real: directly when real does not
// exist (nothing to replace, no window at all), else to a temporary name
// renamed over real. The caller holds the registry's lock.
func linkUnnamed(f *os.File, real string) error {
	err := linkAt(f, real)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	tmp := tempName(real)
	if err := linkAt(f, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, real); err != nil {
		os.Remove(tmp)
		return unwrapLink(err)
	}
	return nil
}

// Abort drops the output: the temporary file is closed and removed and the
// target is left as it was. It does nothing after Commit. A device, pipe or
// socket is closed; what was written to it stays written.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.drop()
}

func (f *File) drop() {
	f.w.Close()
	if f.tmp != "" {
		removeTemp(f.tmp)
		f.tmp = ""
	}
}

// syncDir makes a rename durable; file systems that cannot sync a folder
// are not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// unwrapLink drops the *LinkError around a rename error, whose text names
// the temporary file.
func unwrapLink(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// unwrapNet drops the *net.OpError around a socket error.
func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return unwrapSyscall(oe.Err)
	}
	return err
}

func unwrapSyscall(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}
