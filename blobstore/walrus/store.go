package walrus

import (
	"context"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/rs2"
)

// Store is a blobstore.Store over a Walrus publisher and aggregators.
// It is safe for concurrent use. Close releases the record file.
type Store struct {
	cfg    Config
	enc    *rs2.Encoder
	rec    *records
	cache  *blobCache
	flight flight
}

var _ blobstore.Store = (*Store)(nil)

// New opens a store. It does not contact any service.
func New(cfg Config) (*Store, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	enc, err := rs2.NewEncoder(c.NShards)
	if err != nil {
		return nil, fmt.Errorf("walrus: n_shards %d: %w", c.NShards, err)
	}
	c.MaxBlobSize = maxBlob(c.MaxBlobSize, enc.Params())
	rec, err := openRecords(c.DataDir)
	if err != nil {
		return nil, err
	}
	return &Store{cfg: c, enc: enc, rec: rec, cache: newBlobCache(c.CacheBytes)}, nil
}

// MaxBlobSize is the largest blob a store with configuration c accepts,
// without opening one: the publisher's request limit, capped by what RS2
// can encode with c.NShards shards (0 if c is invalid). The daemon sizes
// chunks and packs with it before it opens the store.
func MaxBlobSize(c Config) int64 {
	c, err := c.withDefaults()
	if err != nil {
		return 0
	}
	p, err := rs2.NewParams(c.NShards)
	if err != nil {
		return 0
	}
	return maxBlob(c.MaxBlobSize, p)
}

// maxBlob is the one rule behind MaxBlobSize and Store.MaxBlobSize.
func maxBlob(publisherLimit int64, p rs2.Params) int64 {
	if max := p.MaxBlobSize(); uint64(publisherLimit) > max {
		return int64(max)
	}
	return publisherLimit
}

// Close releases the record log. The store must not be used afterwards.
func (s *Store) Close() error { return s.rec.close() }

// Config returns the effective configuration (defaults filled in).
func (s *Store) Config() Config { return s.cfg }

// MaxBlobSize is the largest blob Put accepts: the publisher's request
// limit, or the encoding's limit for NShards if that is lower.
func (s *Store) MaxBlobSize() int64 { return s.cfg.MaxBlobSize }

// info builds an Info from a record.
func (s *Store) info(r Record) blobstore.Info {
	in := blobstore.Info{ID: r.BlobID, Size: r.Size, Location: s.cfg.location()}
	if s.cfg.EpochTime != nil && r.EndEpoch > 0 {
		in.Expires = s.cfg.EpochTime(r.EndEpoch)
	}
	return in
}

// Stat implements blobstore.Store. A blob this store put is answered from
// the record (its size was computed locally from the content). Any other
// blob is read whole and verified (then served from the cache), because
// no aggregator header can be checked against the blob ID; with
// TrustAggregator a one-byte range request's Content-Range is used.
func (s *Store) Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error) {
	if err := ctx.Err(); err != nil {
		return blobstore.Info{}, err
	}
	if r, ok := s.rec.get(id); ok {
		return s.info(r), nil
	}
	if s.cfg.Direct != nil {
		return s.cfg.Direct.Stat(ctx, id)
	}
	in := blobstore.Info{ID: id, Location: s.cfg.location()}
	if s.cfg.TrustAggregator {
		size, err := s.trustedSize(ctx, id)
		in.Size = size
		return in, err
	}
	data, err := s.verified(ctx, id)
	if err != nil {
		return blobstore.Info{}, err
	}
	in.Size = uint64(len(data))
	return in, nil
}

// Delete implements blobstore.Store. Deleting a Walrus blob is a Sui
// transaction signed by the Blob object's owner; without Config.Deleter
// Delete returns an error wrapping ErrNotSupported and changes nothing
// (use Forget to drop the local record). Blobs this store did not put
// give ErrNotFound; permanent blobs cannot be deleted (ErrInvalid).
func (s *Store) Delete(ctx context.Context, id blobid.ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, ok := s.rec.get(id)
	if !ok {
		return fmt.Errorf("%w: blob %s was not stored by this store", blobstore.ErrNotFound, id)
	}
	if !r.Deletable {
		return fmt.Errorf("%w: blob %s is permanent and stays on Walrus until epoch %d", blobstore.ErrInvalid, id, r.EndEpoch)
	}
	if s.cfg.Deleter == nil {
		return fmt.Errorf("walrus: deleting blob %s needs a Sui transaction (blob::delete_blob on object %s) that this store cannot sign; it stays on Walrus until epoch %d: %w",
			id, orUnknown(r.ObjectID), r.EndEpoch, ErrNotSupported)
	}
	if r.ObjectID == "" {
		return fmt.Errorf("walrus: cannot delete blob %s: its Sui object ID is unknown (the publisher did not report it)", id)
	}
	if err := s.cfg.Deleter(ctx, r); err != nil {
		return fmt.Errorf("walrus: deleting blob %s (object %s): %w", id, r.ObjectID, err)
	}
	s.cache.remove(id)
	return s.rec.append(Record{BlobID: id, Forgotten: true, StoredAt: s.cfg.Clock()})
}

// Forget drops blob id from the record (List, status, expiry warnings):
// the mount no longer needs it. A deletable blob is deleted on Walrus
// when the store can (Config.Deleter: a wallet), which gives its storage
// back for new blobs; otherwise Walrus is not touched and the blob stays
// readable until its end epoch. It returns ErrNotFound if the record has
// no such blob.
func (s *Store) Forget(ctx context.Context, id blobid.ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, ok := s.rec.get(id)
	if !ok {
		return fmt.Errorf("%w: blob %s is not in the record", blobstore.ErrNotFound, id)
	}
	if s.cfg.Deleter != nil && r.Deletable && r.ObjectID != "" {
		return s.Delete(ctx, id)
	}
	return s.rec.append(Record{BlobID: id, Forgotten: true, StoredAt: s.cfg.Clock()})
}

// List implements blobstore.Store: the blobs this store put (and has not
// deleted or forgotten), by end epoch.
func (s *Store) List(ctx context.Context, fn func(blobstore.Info) error) error {
	for _, r := range s.rec.all() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(s.info(r)); err != nil {
			return err
		}
	}
	return nil
}

// SetEndEpoch records that blob id now ends at epoch end (after a
// renewal).
func (s *Store) SetEndEpoch(id blobid.ID, end uint32) error {
	r, ok := s.rec.get(id)
	if !ok {
		return fmt.Errorf("%w: blob %s is not in the record", blobstore.ErrNotFound, id)
	}
	r.EndEpoch = end
	return s.rec.append(r)
}

// Adopt records a blob this store did not put (one found on the chain
// after the data directory was rebuilt elsewhere), so that it is renewed
// and deleted like the others. A blob already recorded is left as it is.
func (s *Store) Adopt(rec Record) error {
	if _, ok := s.rec.get(rec.BlobID); ok {
		return nil
	}
	rec.Forgotten = false
	return s.rec.append(rec)
}

// Record returns the record of blob id, if this store put it.
func (s *Store) Record(id blobid.ID) (Record, bool) { return s.rec.get(id) }

// Records returns the record of the blobs this store put, by end epoch.
func (s *Store) Records() []Record { return s.rec.all() }

// Expiring returns the recorded blobs whose end epoch is at most
// current+within: the ones to warn about (already expired ones included).
func (s *Store) Expiring(current, within uint32) []Record {
	var out []Record
	for _, r := range s.rec.all() {
		if r.EndEpoch <= current+within {
			out = append(out, r)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// now is the store's clock, in UTC.
func (s *Store) now() time.Time { return s.cfg.Clock().UTC() }
