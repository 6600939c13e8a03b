package blobstore

import (
	"context"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
)

// Store is a content-addressed blob store. All methods are safe for
// concurrent use and honour ctx cancellation.
type Store interface {
	// Put stores data as one blob and returns its Info. The blob ID is
	// derived from the content, so storing the same bytes twice is
	// idempotent and returns the same ID. Put returns only once the blob
	// is durably stored as far as the back end's contract goes (for the
	// storage-node network: on nodes holding a write quorum of shards).
	// data is not retained after Put returns. Errors: ErrInvalid (too
	// large), ErrUnavailable (not enough nodes took it).
	Put(ctx context.Context, data []byte) (Info, error)

	// Read returns bytes [off, off+length) of blob id; length < 0 means
	// up to the end. Every returned byte has been verified against id.
	// Errors: ErrNotFound (no such blob), ErrInvalid (range outside the
	// blob), ErrUnavailable (the blob exists but not enough good pieces
	// can be fetched right now; see UnavailableError).
	Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error)

	// Stat returns the Info of blob id, with its size verified against
	// the ID. Errors as for Read.
	Stat(ctx context.Context, id blobid.ID) (Info, error)

	// Delete removes blob id. It returns ErrNotFound if the store had no
	// trace of it. After a successful Delete, Read and Stat report
	// ErrNotFound.
	Delete(ctx context.Context, id blobid.ID) error

	// List calls fn once for each stored blob, in no particular order.
	// An error from fn stops the listing and is returned as is.
	List(ctx context.Context, fn func(Info) error) error
}

// Info describes a stored blob.
type Info struct {
	ID   blobid.ID
	Size uint64
	// Location says where the blob lives, in a form meant for people and
	// logs (e.g. "7 nodes, 100 shards" or "walrus testnet").
	Location string
	// Expires is when the store may drop the blob; zero means never (the
	// embedded network) or unknown.
	Expires time.Time
}
