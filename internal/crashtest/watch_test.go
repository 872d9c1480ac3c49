//go:build linux

package crashtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
)

// watcher reports the files created in one directory (inotify IN_CREATE)
// and the files renamed into it (IN_MOVED_TO), so the test can kill pimc
// the moment it opens a temporary file, that is in the middle of writing
// it, or the moment a finished file takes its place.
type watcher struct{ f *os.File }

func watch(dir string) (*watcher, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %v", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE|syscall.IN_MOVED_TO); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("inotify %s: %v", dir, err)
	}
	// A non-blocking descriptor goes through the runtime poller, so close
	// ends a pending Read.
	return &watcher{f: os.NewFile(uintptr(fd), "inotify:"+dir)}, nil
}

// events calls fn with each name created (moved false) or renamed into
// the directory (moved true) until fn returns false or the watcher is
// closed.
func (w *watcher) events(fn func(name string, moved bool) bool) {
	buf := make([]byte, 64<<10)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+nameLen]
			off += syscall.SizeofInotifyEvent + nameLen
			if !fn(string(bytes.TrimRight(name, "\x00")), mask&syscall.IN_MOVED_TO != 0) {
				return
			}
		}
	}
}

func (w *watcher) close() { w.f.Close() }
