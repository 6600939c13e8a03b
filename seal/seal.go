package seal

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"
)

const (
	// SegmentSize is the plaintext size of every segment but the last.
	SegmentSize = 64 << 10
	// TagSize is the Poly1305 tag added to every segment.
	TagSize = 16

	// sealedSegmentSize is the ciphertext size of a full segment; segment i
	// of a sealed chunk starts at i*sealedSegmentSize.
	sealedSegmentSize = SegmentSize + TagSize

	// maxPlainLen bounds plaintext lengths so that every sealed size and
	// offset fits in an int64 (2^62 bytes = 4 EiB, far above any blob).
	maxPlainLen = 1 << 62

	// parallelMin is the number of segments from which Seal and Open use
	// more than one goroutine.
	parallelMin = 4
)

var (
	// ErrAuth means a segment (or a wrapped key) failed authentication: the
	// wrong key, altered bytes, or a segment that is not at the position or
	// in the role (last or not) it was sealed for. Errors wrap it and name
	// the segment.
	ErrAuth = errors.New("message authentication failed")
	// ErrInvalid means a length or position that no sealed chunk can have,
	// rejected before any decryption.
	ErrInvalid = errors.New("invalid sealed length or position")
)

// numSegments is the number of segments of a chunk of plainLen bytes
// (0 <= plainLen <= maxPlainLen): at least one.
func numSegments(plainLen int64) int64 {
	if plainLen == 0 {
		return 1
	}
	return (plainLen + SegmentSize - 1) / SegmentSize
}

// checkPlainLen panics on a plaintext length outside [0, maxPlainLen].
func checkPlainLen(fn string, plainLen int64) {
	if plainLen < 0 || plainLen > maxPlainLen {
		panic(fmt.Sprintf("seal: %s: plaintext length %d out of range [0, 2^62]", fn, plainLen))
	}
}

// SealedSize returns the ciphertext length of a chunk of plainLen bytes:
// plainLen + TagSize*max(1, ceil(plainLen/SegmentSize)). It panics if
// plainLen is negative or above 2^62 (lengths come from the index, which
// validates them).
func SealedSize(plainLen int64) int64 {
	checkPlainLen("SealedSize", plainLen)
	return plainLen + TagSize*numSegments(plainLen)
}

// MaxPlain returns the largest plaintext length whose sealed form fits in
// limit bytes (0 if none does: limit < TagSize).
func MaxPlain(limit int64) int64 {
	if limit < TagSize {
		return 0
	}
	full, rem := limit/sealedSegmentSize, limit%sealedSegmentSize
	if rem <= TagSize {
		return full * SegmentSize
	}
	return full*SegmentSize + rem - TagSize
}

// PlainSize is the inverse of SealedSize. It returns ErrInvalid for a length
// that no plaintext seals to: less than TagSize, a last segment of 1 to 15
// bytes, or an empty last segment after a full one.
func PlainSize(sealedLen int64) (int64, error) {
	if sealedLen < TagSize {
		return 0, fmt.Errorf("seal: sealed length %d is shorter than one tag (%d): %w", sealedLen, TagSize, ErrInvalid)
	}
	full, rem := sealedLen/sealedSegmentSize, sealedLen%sealedSegmentSize
	switch {
	case rem == 0:
		return full * SegmentSize, nil
	case rem < TagSize:
		return 0, fmt.Errorf("seal: sealed length %d ends in a %d-byte segment, shorter than a tag: %w", sealedLen, rem, ErrInvalid)
	case rem == TagSize && full > 0:
		return 0, fmt.Errorf("seal: sealed length %d ends in an empty segment after a full one: %w", sealedLen, ErrInvalid)
	}
	return full*SegmentSize + rem - TagSize, nil
}

// Span returns the part of a sealed chunk of plainLen plaintext bytes that
// holds plaintext [off, off+n): the whole segments firstSeg, firstSeg+1, ...
// that overlap the range, as ciphertext bytes [sealedOff,
// sealedOff+sealedLen). The range is first clipped to [0, plainLen), so a
// read past the end asks for no more than the chunk has.
//
// After fetching those bytes, OpenSegments(dst, k, plainLen, firstSeg,
// fetched) returns the plaintext from firstSeg*SegmentSize on; the range
// starts off-firstSeg*SegmentSize bytes into it.
//
// If the clipped range is empty, sealedLen is 0 (nothing to fetch or open).
// Span panics on a negative off or n, or a plainLen outside [0, 2^62].
func Span(plainLen, off, n int64) (sealedOff, sealedLen, firstSeg int64) {
	checkPlainLen("Span", plainLen)
	if off < 0 || n < 0 {
		panic(fmt.Sprintf("seal: Span: negative offset %d or length %d", off, n))
	}
	if off >= plainLen || n == 0 {
		firstSeg = min(off, plainLen) / SegmentSize
		return firstSeg * sealedSegmentSize, 0, firstSeg
	}
	end := off + min(n, plainLen-off) // exclusive, <= plainLen
	firstSeg = off / SegmentSize
	lastSeg := (end - 1) / SegmentSize
	sealedOff = firstSeg * sealedSegmentSize
	sealedEnd := (lastSeg + 1) * sealedSegmentSize
	if lastSeg == numSegments(plainLen)-1 {
		sealedEnd = SealedSize(plainLen)
	}
	return sealedOff, sealedEnd - sealedOff, firstSeg
}

// Seal appends the sealed form of plain (one chunk) to dst and returns the
// extended slice; it adds exactly SealedSize(len(plain)) bytes. The output is
// a function of k and plain only. Inputs of several segments are sealed by
// up to GOMAXPROCS goroutines, with the same bytes as sequentially.
//
// dst's spare capacity must not overlap plain. Seal panics on the zero Key.
func Seal(dst []byte, k Key, plain []byte) []byte {
	return sealN(dst, k, plain, workers(numSegments(int64(len(plain)))))
}

// sealN is Seal with an explicit number of goroutines.
func sealN(dst []byte, k Key, plain []byte, nworkers int) []byte {
	if k.isZero() {
		panic("seal: Seal with the zero Key (an uninitialised key)")
	}
	plainLen := int64(len(plain))
	checkPlainLen("Seal", plainLen)
	size := SealedSize(plainLen)
	if size > math.MaxInt-int64(len(dst)) {
		panic("seal: Seal: output does not fit in a slice")
	}
	base := int64(len(dst))
	out := slices.Grow(dst, int(size))[:base+size]
	aead := newAEAD(k)
	nseg := numSegments(plainLen)
	forEachSegment(nseg, nworkers, func(i int64) bool {
		p := plain[i*SegmentSize : min((i+1)*SegmentSize, plainLen)]
		o := base + i*sealedSegmentSize
		nonce := segmentNonce(i, i == nseg-1)
		aead.Seal(out[o:o], nonce[:], p, nil)
		return true
	})
	return out
}

// Open authenticates and decrypts a whole sealed chunk, appends the
// plaintext to dst and returns the extended slice. The plaintext length
// follows from len(sealed) (PlainSize); an impossible length is ErrInvalid.
// Any altered, missing, extra or reordered segment, a truncation at a
// segment boundary and the wrong key are ErrAuth, naming the first segment
// that failed; on error Open returns nil and zeroes whatever it wrote into
// dst's spare capacity.
//
// dst's spare capacity must not overlap sealed.
func Open(dst []byte, k Key, sealed []byte) ([]byte, error) {
	plainLen, err := PlainSize(int64(len(sealed)))
	if err != nil {
		return nil, err
	}
	return openN(dst, k, plainLen, 0, sealed, workers(numSegments(plainLen)))
}

// OpenSegments authenticates and decrypts consecutive whole segments of a
// chunk of plainLen plaintext bytes, the first of which is segment firstSeg,
// as fetched for a range read (see Span). It appends their plaintext (which
// starts at plaintext offset firstSeg*SegmentSize) to dst and returns the
// extended slice. Whether a segment is the last one, and so its nonce flag
// and size, follows from plainLen.
//
// sealed must be exactly whole segments, the last of them either a full one
// or the chunk's last segment; anything else, a negative or too large
// plainLen, or a firstSeg outside the chunk is ErrInvalid. Authentication
// failures are ErrAuth as for Open. An empty sealed (what Span asks for
// when the range is empty) opens nothing and returns dst.
//
// dst's spare capacity must not overlap sealed.
func OpenSegments(dst []byte, k Key, plainLen int64, firstSeg int64, sealed []byte) ([]byte, error) {
	if plainLen < 0 || plainLen > maxPlainLen {
		return nil, fmt.Errorf("seal: plaintext length %d out of range [0, 2^62]: %w", plainLen, ErrInvalid)
	}
	n := int64(len(sealed)) / sealedSegmentSize
	return openN(dst, k, plainLen, firstSeg, sealed, workers(n))
}

// openN is OpenSegments with an explicit number of goroutines; plainLen
// has been checked.
func openN(dst []byte, k Key, plainLen, firstSeg int64, sealed []byte, nworkers int) ([]byte, error) {
	nseg := numSegments(plainLen)
	if len(sealed) == 0 && firstSeg >= 0 && firstSeg <= nseg {
		return dst, nil // nothing to open (an empty Span)
	}
	if firstSeg < 0 || firstSeg >= nseg {
		return nil, fmt.Errorf("seal: segment %d outside a %d-byte chunk of %d segments: %w", firstSeg, plainLen, nseg, ErrInvalid)
	}
	// How many segments does sealed hold, and does it reach the last one?
	sealedLen := int64(len(sealed))
	lastPlain := plainLen - (nseg-1)*SegmentSize
	avail := nseg - firstSeg // segments from firstSeg to the end
	var count, outLen int64
	switch {
	case sealedLen == (avail-1)*sealedSegmentSize+lastPlain+TagSize:
		count, outLen = avail, (avail-1)*SegmentSize+lastPlain
	case sealedLen%sealedSegmentSize == 0 && sealedLen/sealedSegmentSize < avail:
		count = sealedLen / sealedSegmentSize
		outLen = count * SegmentSize
	default:
		return nil, fmt.Errorf("seal: %d sealed bytes are not whole segments from segment %d of a %d-byte chunk: %w",
			sealedLen, firstSeg, plainLen, ErrInvalid)
	}
	if outLen > math.MaxInt-int64(len(dst)) {
		return nil, fmt.Errorf("seal: %d plaintext bytes do not fit in a slice: %w", outLen, ErrInvalid)
	}
	base := int64(len(dst))
	out := slices.Grow(dst, int(outLen))[:base+outLen]
	aead := newAEAD(k)
	failed := forEachSegment(count, min(nworkers, int(count)), func(j int64) bool {
		i := firstSeg + j
		ct := sealed[j*sealedSegmentSize : min((j+1)*sealedSegmentSize, sealedLen)]
		o := base + j*SegmentSize
		nonce := segmentNonce(i, i == nseg-1)
		_, err := aead.Open(out[o:o], nonce[:], ct, nil)
		return err == nil
	})
	if failed >= 0 {
		clear(out[base:])
		return nil, fmt.Errorf("seal: segment %d: %w", firstSeg+failed, ErrAuth)
	}
	return out, nil
}

// newAEAD returns ChaCha20-Poly1305 keyed with k; the AEAD is safe for
// concurrent use.
func newAEAD(k Key) cipher.AEAD {
	aead, err := chacha20poly1305.New(k[:])
	if err != nil {
		panic("seal: chacha20poly1305: " + err.Error()) // only for a wrong key size
	}
	return aead
}

// segmentNonce is the nonce of segment i: i as an 11-byte big-endian
// integer followed by 0x01 for the chunk's last segment, 0x00 otherwise
// (age's STREAM).
func segmentNonce(i int64, last bool) [chacha20poly1305.NonceSize]byte {
	var n [chacha20poly1305.NonceSize]byte
	u := uint64(i)
	for b := 10; b >= 3; b-- { // bytes 0..2 stay zero: i < 2^63
		n[b] = byte(u)
		u >>= 8
	}
	if last {
		n[11] = 1
	}
	return n
}

// workers is the number of goroutines for nseg segments.
func workers(nseg int64) int {
	if nseg < parallelMin {
		return 1
	}
	return int(min(int64(runtime.GOMAXPROCS(0)), nseg/2))
}

// forEachSegment calls fn for segments 0..n-1 on up to nworkers
// goroutines and returns the first segment for which fn returned false, or
// -1. After a failure no new segments are started, but every segment below
// the failing one has already been handed out and finishes, so the result
// is the lowest failing segment whatever the scheduling.
func forEachSegment(n int64, nworkers int, fn func(i int64) bool) int64 {
	if nworkers <= 1 {
		for i := range n {
			if !fn(i) {
				return i
			}
		}
		return -1
	}
	var (
		next   atomic.Int64
		stop   atomic.Bool
		mu     sync.Mutex
		failed int64 = -1
		wg     sync.WaitGroup
	)
	for range nworkers {
		wg.Go(func() {
			for !stop.Load() {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				if !fn(i) {
					stop.Store(true)
					mu.Lock()
					if failed < 0 || i < failed {
						failed = i
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return failed
}
