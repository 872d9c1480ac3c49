package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/internal/outfile"
)

// compressDigest identifies a compress run for its checkpoint: SHA-256 of
// the model file, the config file and the dataset name, each preceded by
// its length so that no two different triples hash alike. A checkpoint
// with another digest is refused.
func compressDigest(model, config []byte, dataset string) string {
	h := sha256.New()
	io.WriteString(h, "pimc compress checkpoint\x00")
	for _, part := range [][]byte{model, config, []byte(dataset)} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(part))))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

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
