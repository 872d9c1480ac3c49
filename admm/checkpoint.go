package admm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// ResumeFrom returns the state a run continues from (pimc compress
// -resume): nil without resume, and also when path does not exist yet, so
// that the same command line starts a run and resumes it after any
// interruption (note says which). Any other problem (unreadable, too large,
// truncated, corrupted, another run's: digest, RunDigest) is an error naming
// the file. Without resume an existing checkpoint gets a note that the run
// starts over and will replace it. limit is StateLimit.
func ResumeFrom(path string, resume bool, limit int64, digest string) (st *State, note string, err error) {
	_, err = os.Lstat(path)
	exists := !errors.Is(err, fs.ErrNotExist)
	switch {
	case !resume && exists:
		return nil, fmt.Sprintf("note: starting over; checkpoint %s will be replaced (-resume continues it)", path), nil
	case !resume:
		return nil, "", nil
	case !exists:
		return nil, fmt.Sprintf("-resume: no checkpoint %s yet, starting from the beginning", path), nil
	}
	st, err = ReadState(path, limit)
	if err != nil {
		return nil, "", fmt.Errorf("-resume: %v", err)
	}
	if st.Digest != digest {
		return nil, "", fmt.Errorf("-resume: checkpoint %s belongs to another model, config or dataset", path)
	}
	return st, fmt.Sprintf("resuming %s at phase %d epoch %d", path, st.Phase+1, st.Epoch), nil
}

// CheckpointWriter is Options.Checkpoint for a run with digest: every
// state goes to path atomically (internal/outfile), so a kill at any moment
// leaves the previous checkpoint or the new one, never a mix (and the next
// write removes the killed write's temporary file).
func CheckpointWriter(path, digest string) func(*State) error {
	return func(st *State) error {
		st.Digest = digest
		b, err := EncodeState(st)
		if err != nil {
			return err
		}
		return outfile.WriteFile(path, b, 0o644)
	}
}
