package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// IDX is the file format of MNIST (http://yann.lecun.com/exdb/mnist/): a
// 4-byte magic (two zero bytes, a type code, the number of dimensions), one
// big-endian uint32 per dimension, then the elements in row-major order.
// Only unsigned bytes (type code 0x08) are used by the MNIST family.
const idxUint8 = 0x08

// maxIDXElems bounds the element count (and every dimension) a header may
// claim, so a corrupt header cannot make the reader allocate gigabytes: 2^31,
// or the largest int on 32-bit machines.
const maxIDXElems = min(1<<31, math.MaxInt)

// ReadIDX reads an IDX file of unsigned bytes, gzip-compressed or not (the
// gzip magic decides), and returns its dimensions and elements.
func ReadIDX(path string) (dims []int, elems []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	dims, elems, err = decodeIDX(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("data: %s: %v", path, err)
	}
	return dims, elems, nil
}

// decodeIDX parses an IDX stream, unwrapping gzip when the stream starts
// with the gzip magic 1f 8b.
func decodeIDX(r *bufio.Reader) ([]int, []byte, error) {
	var src io.Reader = r
	if head, _ := r.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("bad gzip stream: %v", err)
		}
		defer zr.Close()
		src = zr
	}
	var magic [4]byte
	if _, err := io.ReadFull(src, magic[:]); err != nil {
		return nil, nil, fmt.Errorf("not an IDX file: %v", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, nil, fmt.Errorf("not an IDX file (magic %x, want 0000tttd)", magic)
	}
	if magic[2] != idxUint8 {
		return nil, nil, fmt.Errorf("IDX element type 0x%02x is not supported (want 0x08, unsigned byte)", magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, nil, fmt.Errorf("IDX file has %d dimensions (want 1 to 4)", nd)
	}
	raw := make([]uint32, nd)
	if err := binary.Read(src, binary.BigEndian, raw); err != nil {
		return nil, nil, fmt.Errorf("truncated IDX header: %v", err)
	}
	dims := make([]int, nd)
	n := int64(1) // at most 2^31 * (2^32-1) before the check: no overflow
	for i, d := range raw {
		n *= int64(d)
		if n > maxIDXElems || int64(d) > maxIDXElems {
			return nil, nil, fmt.Errorf("IDX dimensions %v are implausibly large", raw[:i+1])
		}
		dims[i] = int(d)
	}
	elems := make([]byte, n)
	if _, err := io.ReadFull(src, elems); err != nil {
		return nil, nil, fmt.Errorf("IDX data truncated: want %d bytes for dimensions %v: %v", n, dims, err)
	}
	return dims, elems, nil
}
