package tensorio

import (
	"fmt"
	"io"
	"os"
)

// maxStreamBytes bounds what Read and ReadNPZ read from a file that is
// not a regular file (a pipe, a character device such as /dev/zero, a
// socket): such a file has no size to check a header against, and reading
// it to its end may never finish. 64 MiB holds a batch of 80 224x224 RGB
// float images; larger tensors belong in a regular file.
const maxStreamBytes = 64 << 20

// readTensorBytes reads a whole tensor file: a regular file in full (its
// size is what the decoders check every declared shape against), anything
// else up to maxStreamBytes. A named pipe is opened without blocking, so a
// pipe nobody writes to reads as empty instead of hanging.
func readTensorBytes(path string) ([]byte, error) {
	flag := os.O_RDONLY
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		flag |= openNonBlock
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a tensor file", path)
	}
	if st.Mode().IsRegular() {
		return os.ReadFile(path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStreamBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStreamBytes {
		return nil, fmt.Errorf("%s is not a regular file (%s) and holds more than %d MiB: write the tensor to a regular file", path, fileKind(st.Mode()), maxStreamBytes>>20)
	}
	return data, nil
}

// fileKind names the type of a non-regular file for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}
