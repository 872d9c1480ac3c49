package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/internal/outfile"
)

// loadCheckpoint returns the state -resume continues from: nil without
// -resume, and also when path does not exist yet, so that the same command
// line starts a run and resumes it after any interruption (a note says
// which). Any other problem (unreadable, too large, truncated, corrupted,
// another run's) is an error naming the file. Without -resume an existing
// checkpoint gets a note that the run starts over and will replace it.
func loadCheckpoint(path string, resume bool, limit int64, digest string, stderr io.Writer) (*admm.State, error) {
	_, err := os.Lstat(path)
	exists := !errors.Is(err, fs.ErrNotExist)
	switch {
	case !resume && exists:
		fmt.Fprintf(stderr, "pimc compress: note: starting over; checkpoint %s will be replaced (-resume continues it)\n", path)
		return nil, nil
	case !resume:
		return nil, nil
	case !exists:
		fmt.Fprintf(stderr, "pimc compress: -resume: no checkpoint %s yet, starting from the beginning\n", path)
		return nil, nil
	}
	st, err := admm.ReadState(path, limit)
	if err != nil {
		return nil, fmt.Errorf("-resume: %v", err)
	}
	if st.Digest != digest {
		return nil, fmt.Errorf("-resume: checkpoint %s belongs to another model, config or dataset", path)
	}
	fmt.Fprintf(stderr, "pimc compress: resuming %s at phase %d epoch %d\n", path, st.Phase+1, st.Epoch)
	return st, nil
}

// checkpointWriter is admm.Options.Checkpoint: every state goes to path
// atomically, so a kill at any moment leaves the previous checkpoint or
// the new one, never a mix (and the next write removes the killed write's
// temporary file).
func checkpointWriter(path, digest string) func(*admm.State) error {
	return func(st *admm.State) error {
		st.Digest = digest
		b, err := admm.EncodeState(st)
		if err != nil {
			return err
		}
		return outfile.WriteFile(path, b, 0o644)
	}
}
