package vfs

import (
	"context"
	"errors"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

// CollectGarbage deletes from the store every blob that has been
// unreferenced for at least Options.GCGrace (index.ExpiredBlobs, measured
// with the index's clock), then forgets it in the index. On a store that
// is a blobstore.Forgetter (a back end that cannot delete, like Walrus
// without a Sui signer) it calls Forget instead of Store.Delete, so an
// undeletable blob does not fail, and stay on the list, forever. Each delete is
// serialised with uploads (FS.gcMu), so a blob that an upload is storing
// again is never deleted under it. It returns how many blobs it deleted.
func (f *FS) CollectGarbage(ctx context.Context) (int, error) {
	if err := f.refuse("collect garbage"); err != nil {
		return 0, err
	}
	ids, err := f.idx.ExpiredBlobs(ctx, f.opt.GCGrace)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := f.deleteBlob(ctx, id); errors.Is(err, errHeld) {
			continue
		} else if err != nil {
			f.log.Warn("deleting unreferenced blob", "blob", id.String(), "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// errHeld: a blob a kept snapshot of the tree names.
var errHeld = errors.New("held by a snapshot")

func (f *FS) deleteBlob(ctx context.Context, id blobid.ID) error {
	f.gcMu.Lock()
	defer f.gcMu.Unlock()
	if n, err := f.idx.BlobRefs(ctx, id); err != nil || n > 0 {
		return err // referenced again since ExpiredBlobs: ForgetBlob is not due
	}
	if f.treeHolds(id) {
		return errHeld // a kept snapshot names it: kept, and listed again
	}
	// Deleting is irreversible: the index state that dropped the last
	// reference must survive a power cut first.
	if err := f.idx.Sync(ctx); err != nil {
		return err
	}
	del := f.store.Delete
	if f.forget != nil {
		del = f.forget.Forget
	}
	err := del(ctx, id)
	if err != nil && !errors.Is(err, blobstore.ErrNotFound) {
		return err
	}
	if f.cache != nil {
		f.cache.Invalidate(id)
	}
	err = f.idx.ForgetBlob(ctx, id)
	if errors.Is(err, index.ErrNotFound) {
		err = nil
	}
	return err
}

// gcLoop runs CollectGarbage every GCInterval until the uploader stops.
func (f *FS) gcLoop() {
	t := time.NewTicker(f.opt.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-f.up.stopCh:
			return
		case <-t.C:
		}
		if n, err := f.CollectGarbage(f.up.ctx); err != nil && f.up.ctx.Err() == nil {
			f.log.Warn("blob collection", "err", err)
		} else if n > 0 && f.forget != nil {
			f.log.Info("forgot unreferenced blobs (not deleted: they stay on the network until their end epoch)", "count", n)
		} else if n > 0 {
			f.log.Info("deleted unreferenced blobs", "count", n)
		}
	}
}
