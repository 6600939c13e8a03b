package walrus

import (
	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
)

// The store implements the optional interfaces of blobstore: the blob
// collector forgets instead of deleting (Forget, in store.go), and files
// report the end epoch of their blobs.
var (
	_ blobstore.Forgetter     = (*Store)(nil)
	_ blobstore.EpochReporter = (*Store)(nil)
)

// EndEpoch implements blobstore.EpochReporter from the store's record:
// the earliest recorded end epoch of ids.
func (s *Store) EndEpoch(ids []blobid.ID) (uint32, bool) {
	recs := s.Records()
	ends := make(map[blobid.ID]uint32, len(recs))
	for _, r := range recs {
		ends[r.BlobID] = r.EndEpoch
	}
	var low uint32
	for i, id := range ids {
		e, ok := ends[id]
		if !ok {
			return 0, false
		}
		if i == 0 || e < low {
			low = e
		}
	}
	return low, len(ids) > 0
}
