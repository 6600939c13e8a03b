package blobstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
)

var (
	// ErrNotFound means the store has no such blob.
	ErrNotFound = errors.New("blob not found")
	// ErrUnavailable means the blob may exist but cannot be served or
	// stored right now: too few good slivers or nodes answered. It is
	// transient; retrying later may succeed.
	ErrUnavailable = errors.New("blob unavailable")
	// ErrInvalid means the request itself is wrong: a malformed blob ID,
	// a byte range outside the blob, a blob too large for the store.
	ErrInvalid = errors.New("invalid request")
)

// UnavailableError reports a read that found fewer good slivers than it
// needs. It matches ErrUnavailable with errors.Is.
type UnavailableError struct {
	ID     blobid.ID
	Found  int // good (verified) slivers obtained
	Needed int // slivers needed to decode
	Detail string
}

func (e *UnavailableError) Error() string {
	s := fmt.Sprintf("blob %s unavailable: found %d good slivers, %d needed", e.ID, e.Found, e.Needed)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// IsPermanent reports whether retrying the same call cannot help:
// ErrNotFound and ErrInvalid are permanent, ErrUnavailable and
// cancellations are not. Unknown errors are treated as transient.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid)
}

// CheckRange validates [off, off+length) against a blob of size bytes and
// returns the resolved length (length < 0 means to the end). Errors wrap
// ErrInvalid. Implementations share it so they agree on edge cases.
func CheckRange(size uint64, off, length int64) (uint64, error) {
	if off < 0 || uint64(off) > size {
		return 0, fmt.Errorf("%w: offset %d outside a blob of %d bytes", ErrInvalid, off, size)
	}
	rest := size - uint64(off)
	if length < 0 {
		return rest, nil
	}
	if uint64(length) > rest {
		return 0, fmt.Errorf("%w: range %d+%d outside a blob of %d bytes", ErrInvalid, off, length, size)
	}
	return uint64(length), nil
}
