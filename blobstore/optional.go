package blobstore

import (
	"context"

	"github.com/walrusfs/walrusfs/blobid"
)

// Optional interfaces: what only some back ends can do. A caller finds
// them with As, never by knowing the concrete back end, so the file
// system core works on any Store and offers what the back end has.

// Forgetter is a back end whose blobs the mount cannot delete (Walrus:
// deleting needs a signed Sui transaction; a blob stays until its end
// epoch). The blob collector calls Forget instead of Delete: the blob
// is dropped from the back end's own bookkeeping only. ErrNotFound means
// it was not known; callers count that as done.
type Forgetter interface {
	Forget(ctx context.Context, id blobid.ID) error
}

// EpochReporter is a back end whose blobs are stored until an end epoch
// (Walrus). EndEpoch returns the earliest end epoch of ids, exclusive (a
// blob is readable while the current epoch is below it); ok is false if
// ids is empty or the end epoch of any of them is unknown.
type EpochReporter interface {
	EndEpoch(ids []blobid.ID) (epoch uint32, ok bool)
}

// Wrapper is a Store that decorates another (adds retries, faults,
// accounting): Unwrap returns the Store it wraps, so As can find the
// optional interfaces of the back end underneath.
type Wrapper interface {
	Unwrap() Store
}

// As returns the first of s and the stores it wraps (through Wrapper)
// that implements T, as errors.As does for errors.
func As[T any](s Store) (T, bool) {
	for s != nil {
		if t, ok := s.(T); ok {
			return t, true
		}
		w, ok := s.(Wrapper)
		if !ok {
			break
		}
		s = w.Unwrap()
	}
	var zero T
	return zero, false
}

// Attributer is a back end that can label a blob with public key-value
// attributes when it stores it (Walrus with a wallet: the attributes of
// the Sui Blob object, set in the transaction that registers it), so that
// the owner can find the blob again from the chain alone.
type Attributer interface {
	// CanAttribute reports whether PutAttributed sets attributes (a
	// Walrus store writing through a publisher cannot).
	CanAttribute() bool
	// PutAttributed is Put, and sets attrs on the stored blob.
	PutAttributed(ctx context.Context, data []byte, attrs map[string]string) (Info, error)
}
