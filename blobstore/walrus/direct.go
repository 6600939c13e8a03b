package walrus

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// Direct writes blobs to the storage nodes with the user's wallet and
// reads them back from the nodes, verified (package directwrite over the
// storage-node client). A Store with Config.Direct uses it instead of a
// publisher and aggregators.
type Direct interface {
	// Write registers, uploads and certifies data as one blob and
	// returns its record.
	Write(ctx context.Context, data []byte) (Record, error)
	Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error)
	Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error)
}

// DirectBlobSize is the blob size direct writes aim at for n shards:
// blobs large enough that the per-blob metadata (n·(64n+32) bytes of
// encoded length, 64 MB at n = 1000) is a small share of their cost —
// four times the metadata, rounded up to a power of two, between 16 MiB
// and 256 MiB (256 MiB at n = 1000: 4.74 times the raw size encoded; 16
// MiB at n = 1000 would be 8.4 times).
func DirectBlobSize(n int) uint64 {
	meta := uint64(n) * (uint64(n)*64 + 32)
	size := uint64(16 << 20)
	for size < 4*meta && size < 256<<20 {
		size <<= 1
	}
	return size
}

// AttributedDirect is a Direct that can set attributes on the Blob
// objects it registers (package directwrite).
type AttributedDirect interface {
	WriteAttributed(ctx context.Context, data []byte, attrs map[string]string) (Record, error)
}

// CanAttribute implements blobstore.Attributer: only direct writes with
// a wallet set attributes.
func (s *Store) CanAttribute() bool {
	_, ok := s.cfg.Direct.(AttributedDirect)
	return ok
}

// PutAttributed implements blobstore.Attributer. Without direct writes it
// fails with blobstore.ErrInvalid (see CanAttribute).
func (s *Store) PutAttributed(ctx context.Context, data []byte, attrs map[string]string) (blobstore.Info, error) {
	if !s.CanAttribute() {
		return blobstore.Info{}, fmt.Errorf("%w: attributes on blobs need direct writes with a wallet", blobstore.ErrInvalid)
	}
	return s.putDirect(ctx, data, attrs)
}

// putDirect stores data through Config.Direct.
func (s *Store) putDirect(ctx context.Context, data []byte, attrs map[string]string) (blobstore.Info, error) {
	if int64(len(data)) > s.cfg.MaxBlobSize {
		return blobstore.Info{}, fmt.Errorf("%w: blob of %d bytes exceeds the maximum of %d bytes", blobstore.ErrInvalid, len(data), s.cfg.MaxBlobSize)
	}
	var rec Record
	var err error
	if len(attrs) > 0 {
		rec, err = s.cfg.Direct.(AttributedDirect).WriteAttributed(ctx, data, attrs)
	} else {
		rec, err = s.cfg.Direct.Write(ctx, data)
	}
	if err != nil {
		return blobstore.Info{}, err
	}
	if err := s.rec.append(rec); err != nil {
		return blobstore.Info{}, err
	}
	return s.info(rec), nil
}
