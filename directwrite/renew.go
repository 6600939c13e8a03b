package directwrite

import (
	"context"
	"fmt"
	"math/big"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/onchain"
)

// MaxExtendPerTx bounds the blobs one renewal transaction extends (Sui's
// limits: 1024 commands, 128 KiB of transaction).
const MaxExtendPerTx = 200

// Renewed is one blob a renewal pass extended.
type Renewed struct {
	BlobID         blobid.ID
	ObjectID       string
	OldEnd, NewEnd uint32
}

// Renew extends the certified blobs among recs that end within margin
// epochs of the current epoch so that they end ahead epochs from now, in
// as few transactions as it can (MaxExtendPerTx blobs each). Blobs whose
// end epoch has passed cannot be extended: they are returned as lost.
//
// The end epoch of a blob that looks due is read from the chain first:
// corrected lists the records whose end epoch the chain says otherwise
// (the caller updates them).
func (s *Store) Renew(ctx context.Context, recs []walrus.Record, ahead, margin uint32) (renewed, corrected []Renewed, lost []walrus.Record, spent onchain.Spent, err error) {
	st, err := s.Sui.ReadState(ctx)
	if err != nil {
		return nil, nil, nil, onchain.Spent{}, fmt.Errorf("directwrite: %w", err)
	}
	now := st.Epoch
	spent.WAL = new(big.Int)
	var todo []onchain.Extension
	for _, r := range recs {
		if r.ObjectID != "" && r.EndEpoch-min(r.EndEpoch, now) < margin {
			// A candidate: ask the chain, which may know a later end than
			// the record (an extension whose answer was lost).
			if bl, err := s.Sui.Blob(ctx, r.ObjectID); err == nil && bl.BlobID == r.BlobID && bl.EndEpoch != r.EndEpoch {
				corrected = append(corrected, Renewed{BlobID: r.BlobID, ObjectID: r.ObjectID, OldEnd: r.EndEpoch, NewEnd: bl.EndEpoch})
				r.EndEpoch = bl.EndEpoch
			}
		}
		switch {
		case r.ObjectID == "":
			continue
		case r.EndEpoch <= now:
			lost = append(lost, r)
		case r.EndEpoch-now < margin && now+ahead > r.EndEpoch:
			todo = append(todo, onchain.Extension{ObjectID: r.ObjectID, Epochs: now + ahead - r.EndEpoch})
			renewed = append(renewed, Renewed{BlobID: r.BlobID, ObjectID: r.ObjectID, OldEnd: r.EndEpoch, NewEnd: now + ahead})
		}
	}
	for i := 0; i < len(todo); i += MaxExtendPerTx {
		batch := todo[i:min(i+MaxExtendPerTx, len(todo))]
		sp, err := s.Chain.Extend(ctx, batch)
		if err != nil {
			return renewed[:i], corrected, lost, spent, fmt.Errorf("directwrite: extending %d blobs: %w", len(batch), err)
		}
		spent.WAL.Add(spent.WAL, sp.WAL)
		spent.Gas += sp.Gas
		spent.Transactions += sp.Transactions
	}
	return renewed, corrected, lost, spent, nil
}
