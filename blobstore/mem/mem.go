package mem

import (
	"context"
	"fmt"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	enc *rs2.Encoder

	mu    sync.Mutex
	blobs map[blobid.ID][]byte // GUARDED_BY(mu); values are never mutated in place except by Corrupt
}

var _ blobstore.Store = (*Store)(nil)

// New returns an empty store whose blob IDs are those of an n-shard
// Walrus network.
func New(n int) (*Store, error) {
	enc, err := rs2.NewEncoder(n)
	if err != nil {
		return nil, err
	}
	return &Store{enc: enc, blobs: make(map[blobid.ID][]byte)}, nil
}

func (s *Store) info(id blobid.ID, size int) blobstore.Info {
	return blobstore.Info{ID: id, Size: uint64(size), Location: "memory"}
}

// Put implements blobstore.Store.
func (s *Store) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	if err := ctx.Err(); err != nil {
		return blobstore.Info{}, err
	}
	if uint64(len(data)) > s.enc.Params().MaxBlobSize() {
		return blobstore.Info{}, fmt.Errorf("%w: %d bytes exceeds the maximum %d", blobstore.ErrInvalid, len(data), s.enc.Params().MaxBlobSize())
	}
	m, err := s.enc.ComputeMetadata(data)
	if err != nil {
		return blobstore.Info{}, err
	}
	id := m.BlobID()
	cp := append([]byte(nil), data...)
	s.mu.Lock()
	s.blobs[id] = cp
	s.mu.Unlock()
	return s.info(id, len(cp)), nil
}

// get returns the stored bytes after checking them against id.
func (s *Store) get(ctx context.Context, id blobid.ID) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	b, ok := s.blobs[id]
	if ok {
		b = append([]byte(nil), b...) // Corrupt may change the stored slice
	}
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", blobstore.ErrNotFound, id)
	}
	m, err := s.enc.ComputeMetadata(b)
	if err != nil {
		return nil, err
	}
	if m.BlobID() != id {
		return nil, &blobstore.UnavailableError{ID: id, Needed: 1, Detail: "stored bytes do not match the blob ID"}
	}
	return b, nil
}

// Read implements blobstore.Store.
func (s *Store) Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	b, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := blobstore.CheckRange(uint64(len(b)), off, length)
	if err != nil {
		return nil, err
	}
	return b[off : uint64(off)+n], nil
}

// Stat implements blobstore.Store.
func (s *Store) Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error) {
	b, err := s.get(ctx, id)
	if err != nil {
		return blobstore.Info{}, err
	}
	return s.info(id, len(b)), nil
}

// Delete implements blobstore.Store.
func (s *Store) Delete(ctx context.Context, id blobid.ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blobs[id]; !ok {
		return fmt.Errorf("%w: %s", blobstore.ErrNotFound, id)
	}
	delete(s.blobs, id)
	return nil
}

// List implements blobstore.Store. fn is called without the lock held.
func (s *Store) List(ctx context.Context, fn func(blobstore.Info) error) error {
	s.mu.Lock()
	infos := make([]blobstore.Info, 0, len(s.blobs))
	for id, b := range s.blobs {
		infos = append(infos, s.info(id, len(b)))
	}
	s.mu.Unlock()
	for _, in := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// Corrupt flips one byte of blob id in place (test hook). It reports
// whether the blob exists and is non-empty.
func (s *Store) Corrupt(id blobid.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.blobs[id]
	if len(b) == 0 {
		return false
	}
	b[len(b)/2] ^= 0xff
	return true
}
