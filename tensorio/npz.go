package tensorio

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// maxNPZEntry bounds one decompressed array, against zip bombs.
const maxNPZEntry = min(1<<32, math.MaxInt)

// maxDeflateRatio is the largest ratio of uncompressed to compressed size
// that DEFLATE can reach (about 1032:1; one more for slack): an .npz entry
// claiming more is not a valid archive, whatever its header says.
const maxDeflateRatio = 1033

// ReadNPZ reads every array of a NumPy .npz archive (stored or deflated),
// keyed by the array name (the entry name without ".npy"). An entry is read
// only up to the size its zip header declares, and that size must be one
// DEFLATE can produce from the entry's compressed bytes, so a forged header
// cannot make it allocate more than the file's size justifies.
func ReadNPZ(path string) (map[string]*tensor.Tensor, error) {
	data, err := readTensorBytes(path)
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	return decodeNPZ(path, data)
}

// decodeNPZ decodes the bytes of an .npz archive read from path (named in
// errors).
func decodeNPZ(path string, data []byte) (map[string]*tensor.Tensor, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("frontend: %s: empty file, holds no arrays", path)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("frontend: %s: not a valid .npz (zip) file: %v", path, err)
	}
	out := map[string]*tensor.Tensor{}
	files := append([]*zip.File{}, zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		buf, err := readNPZEntry(f)
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: entry %q: %v", path, f.Name, err)
		}
		t, err := decodeNPY(buf)
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: entry %q: %v", path, f.Name, err)
		}
		out[strings.TrimSuffix(f.Name, ".npy")] = t
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("frontend: %s: holds no .npy arrays", path)
	}
	return out, nil
}

// readNPZEntry decompresses one archive entry after checking its declared
// size (archive/zip then fails the read if the data is longer or shorter).
func readNPZEntry(f *zip.File) ([]byte, error) {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	switch {
	case size > maxNPZEntry:
		return nil, fmt.Errorf("declares %d bytes uncompressed, more than the %d bytes an array may hold", size, uint64(maxNPZEntry))
	case f.Method == zip.Store && size != packed:
		return nil, fmt.Errorf("stored entry declares %d bytes uncompressed but %d stored", size, packed)
	case size > packed*maxDeflateRatio+1024:
		return nil, fmt.Errorf("declares %d bytes uncompressed from %d compressed, more than DEFLATE can produce: corrupt or forged archive", size, packed)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, int(size))
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("truncated or corrupt data: %v", err)
	}
	// One more byte must be the end: archive/zip checks the size and CRC there.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("longer than the %d bytes it declares", size)
		}
		return nil, fmt.Errorf("corrupt data: %v", err)
	}
	return buf, nil
}
