package daemon

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/sui"
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
	lastErr       string // GUARDED_BY(mu); of the last pass
	direct        *directwrite.Store
	store         *walrus.Store
	idx           *index.Index
	ahead, margin uint32
	// treeBlobs, if set, lists the blobs of the last commit of the tree
	// (vfs.FS.TreeBlobs): kept alive like the blobs of the files.
	treeBlobs func() ([]blobid.ID, error)
}

// inUse lists the blobs renewal keeps alive: those of the files and of
// the last commit of the tree.
func (r *renewer) inUse(ctx context.Context) ([]blobid.ID, error) {
	ids, err := r.idx.ReferencedBlobs(ctx)
	if err != nil || r.treeBlobs == nil {
		return ids, err
	}
	more, err := r.treeBlobs()
	if err != nil {
		return nil, err
	}
	seen := make(map[blobid.ID]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	for _, id := range more {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// pass runs one renewal pass: blobs in use that end within the margin are
// extended, the record updated; blobs already expired are reported lost.
func (r *renewer) pass(ctx context.Context) (control.RenewResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, err := r.inUse(ctx)
	if err != nil {
		return control.RenewResult{}, err
	}
	if err := r.adopt(ctx, ids); err != nil {
		return control.RenewResult{}, fmt.Errorf("renewal: %w", err)
	}
	var recs []walrus.Record
	for _, id := range ids {
		if rec, ok := r.store.Record(id); ok {
			recs = append(recs, rec)
		}
	}
	renewed, corrected, lost, spent, err := r.direct.Renew(ctx, recs, r.ahead, r.margin)
	for _, b := range corrected {
		if serr := r.store.SetEndEpoch(b.BlobID, b.NewEnd); serr != nil && err == nil {
			err = serr
		}
	}
	res := control.RenewResult{Renewed: []control.RenewedBlob{}, Lost: []string{}, GasMIST: spent.Gas, Transactions: spent.Transactions}
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
	r.lastErr = ""
	if err != nil {
		err = fmt.Errorf("renewal: %w", err)
		r.lastErr = err.Error()
		return res, err
	}
	return res, nil
}

// status fills the lifetime part of the status: balances, what keeping
// the blobs in use alive costs, and the files at risk.
func (r *renewer) status(ctx context.Context) (*control.StatusWalrus, error) {
	s := &control.StatusWalrus{Address: r.direct.Key.Address(), RenewAhead: r.ahead, RenewMargin: r.margin, FilesAtRisk: []string{}}
	r.mu.Lock()
	s.RenewError = r.lastErr
	r.mu.Unlock()
	var err error
	if s.SUIBalance, s.WALBalance, err = r.direct.Chain.Balances(ctx); err != nil {
		return nil, err
	}
	st, err := r.direct.Sui.ReadState(ctx)
	if err != nil {
		return nil, err
	}
	s.Epoch = st.Epoch
	s.EpochEndTime = st.EpochStart(st.Epoch+1, time.Now()).UTC()
	ids, err := r.inUse(ctx)
	if err != nil {
		return nil, err
	}
	risky := map[blobid.ID]bool{}
	for _, id := range ids {
		rec, ok := r.store.Record(id)
		if !ok {
			continue
		}
		if s.EarliestEndEpoch == 0 || rec.EndEpoch < s.EarliestEndEpoch {
			s.EarliestEndEpoch = rec.EndEpoch
		}
		if target := st.Epoch + r.ahead; rec.EndEpoch < target {
			s.WALNeeded += sui.Units(rec.EncodedLength) * st.Prices.StoragePerUnit * uint64(target-rec.EndEpoch)
		}
		if rec.EndEpoch <= st.Epoch+r.margin {
			risky[id] = true
		}
	}
	if len(risky) == 0 {
		return s, nil
	}
	users, err := r.idx.BlobUsers(ctx, risky)
	if err != nil {
		return nil, err
	}
	var inos []uint64
	for _, l := range users {
		inos = append(inos, l...)
	}
	paths, err := r.idx.Paths(ctx, inos)
	if err != nil {
		return nil, err
	}
	for _, ino := range inos {
		p := paths[ino]
		if p == "" {
			p = fmt.Sprintf("inode %d", ino)
		}
		s.FilesAtRisk = append(s.FilesAtRisk, p)
	}
	slices.Sort(s.FilesAtRisk)
	s.FilesAtRisk = slices.Compact(s.FilesAtRisk)
	return s, nil
}

// lastError is the failure of the last pass ("" if it succeeded).
func (r *renewer) lastError() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// adopt records the blobs in use that the store has no record of (a data
// directory recovered on a new machine knows its blobs from the tree, not
// from having stored them): their Blob objects are looked up among the
// wallet's, so they are renewed and deleted like the others.
func (r *renewer) adopt(ctx context.Context, ids []blobid.ID) error {
	missing := map[blobid.ID]bool{}
	for _, id := range ids {
		if _, ok := r.store.Record(id); !ok {
			missing[id] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	owned, err := r.direct.Sui.OwnedBlobs(ctx, r.direct.Key.Address())
	if err != nil {
		return fmt.Errorf("looking up %d blobs in use among the wallet's: %w", len(missing), err)
	}
	for _, b := range owned {
		if !missing[b.BlobID] || !b.Certified {
			continue
		}
		rec := walrus.Record{BlobID: b.BlobID, Size: b.Size, EncodedLength: b.StorageSize, ObjectID: b.ObjectID,
			RegisteredEpoch: b.RegisteredEpoch, CertifiedEpoch: b.CertifiedEpoch, EndEpoch: b.EndEpoch, Deletable: b.Deletable,
			StoredAt: time.Now().UTC()}
		if err := r.store.Adopt(rec); err != nil {
			return err
		}
		delete(missing, b.BlobID)
	}
	return nil
}
