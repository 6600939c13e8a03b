package daemon

import (
	"context"
	"fmt"
	"sync"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/index"
)

// Renewal defaults with a wallet: new blobs are bought DefaultRenewAhead
// epochs ahead, and blobs in use are extended back to that many epochs
// ahead once fewer than DefaultRenewMargin are left (on testnet, epochs of
// a day: a blob always has at least a day to go and is renewed about every
// two days; on mainnet, epochs of two weeks: at least two weeks to go,
// renewed about monthly). Renewal runs when the epoch changes, at mount
// time (catching up after the mount was down), and on `walrusfs renew`.
const (
	DefaultRenewAhead  = 4
	DefaultRenewMargin = 2
)

// renewer extends the blobs the index uses; one pass at a time.
type renewer struct {
	mu            sync.Mutex
	direct        *directwrite.Store
	store         *walrus.Store
	idx           *index.Index
	ahead, margin uint32
}

// pass runs one renewal pass: blobs in use that end within the margin are
// extended, the record updated; blobs already expired are reported lost.
func (r *renewer) pass(ctx context.Context) (control.RenewResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, err := r.idx.ReferencedBlobs(ctx)
	if err != nil {
		return control.RenewResult{}, err
	}
	var recs []walrus.Record
	for _, id := range ids {
		if rec, ok := r.store.Record(id); ok {
			recs = append(recs, rec)
		}
	}
	renewed, lost, spent, err := r.direct.Renew(ctx, recs, r.ahead, r.margin)
	res := control.RenewResult{Renewed: []control.RenewedBlob{}, Lost: []string{}, GasMIST: spent.Gas}
	if spent.WAL != nil {
		res.WALFROST = spent.WAL.String()
	}
	for _, b := range renewed {
		if serr := r.store.SetEndEpoch(b.BlobID, b.NewEnd); serr != nil && err == nil {
			err = serr
		}
		res.Renewed = append(res.Renewed, control.RenewedBlob{BlobID: b.BlobID.String(), ObjectID: b.ObjectID, OldEnd: b.OldEnd, NewEnd: b.NewEnd})
	}
	for _, l := range lost {
		res.Lost = append(res.Lost, l.BlobID.String())
	}
	if err != nil {
		return res, fmt.Errorf("renewal: %w", err)
	}
	return res, nil
}
