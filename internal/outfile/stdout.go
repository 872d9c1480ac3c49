package outfile

import "io"

// Commands take "-" for an output path to mean standard output (the
// command's own report then goes to stderr). WriteOutput and Open follow
// that convention, so every output flag reads the same.

// WriteOutput writes data to the output path, or to stdout for "-".
func WriteOutput(path string, data []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return WriteFile(path, data, 0o644)
}

// Stream is an output written piece by piece (a trace, a CPU profile, an
// assembly listing): a pending File, or standard output.
type Stream struct {
	io.Writer
	f *File // nil for stdout
}

// Open starts a streamed output: path (Create, mode 0644), or stdout for
// "-". Commit publishes it, Abort drops it.
func Open(path string, stdout io.Writer) (*Stream, error) {
	if path == "-" {
		return &Stream{Writer: stdout}, nil
	}
	f, err := Create(path, 0o644)
	if err != nil {
		return nil, err
	}
	return &Stream{Writer: f, f: f}, nil
}

// IsFile reports whether the stream goes to a file, not standard output.
func (s *Stream) IsFile() bool { return s.f != nil }

// Commit publishes the output (nothing to do for standard output).
func (s *Stream) Commit() error {
	if s.f == nil {
		return nil
	}
	return s.f.Commit()
}

// Abort drops the output, if it is a file.
func (s *Stream) Abort() {
	if s.f != nil {
		s.f.Abort()
	}
}
