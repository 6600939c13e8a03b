package vfs

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/treebuild"
)

// Packing small files.
//
// One blob per small file would cost the per-blob overhead of the network
// (metadata, hashes, an on-chain object) for every file. The packer
// concatenates the content of small files (whole file <= PackThreshold)
// into one pack blob of up to PackMax bytes, flushed when full, when no
// file joined it for PackDelay (so a burst of files, e.g. a folder dragged
// in, becomes a few large blobs and its upload does not compete with the
// copy), or PackMaxWait after its first file, and commits each file with an Extent
// (pack, offset, length). Files keep their own generation check: a file
// that changed while waiting is requeued, the others commit. A pack whose
// files are all deleted loses its last reference and is collected.
type packer struct {
	u *uploader

	mu    sync.Mutex
	items []packItem  // GUARDED_BY(mu)
	size  int64       // GUARDED_BY(mu)
	timer *time.Timer // GUARDED_BY(mu)
	first time.Time   // when the first item of the pack came. GUARDED_BY(mu)
	force bool        // an item of the pack is forced. GUARDED_BY(mu)

	wg sync.WaitGroup // flushes in progress
}

// packItem is one file waiting for a pack. It owns a reference on st and
// the uploader's running mark for st.ino until the pack is flushed.
type packItem struct {
	st   *inodeState
	up   index.Upload
	data []byte
	// force: someone waits for this file (fsync, walrusfs sync, a forced
	// upload): the pack waits no longer than the default delays.
	force bool
}

// add queues it; a full pack is flushed in the caller's goroutine (so pack
// uploads are bounded by the worker pool).
func (p *packer) add(it packItem) {
	p.mu.Lock()
	p.items = append(p.items, it)
	p.size += int64(len(it.data))
	if p.size >= p.u.f.opt.PackMax {
		batch := p.takeLocked()
		p.wg.Add(1)
		p.mu.Unlock()
		defer p.wg.Done()
		p.flush(batch)
		return
	}
	p.force = p.force || it.force
	delay, maxWait := p.u.f.opt.PackDelay, p.u.f.opt.PackMaxWait
	if p.force {
		delay, maxWait = min(delay, DefaultPackDelay), min(maxWait, DefaultPackMaxWait)
	}
	switch {
	case p.timer == nil:
		p.first = time.Now()
		p.wg.Add(1)
		p.timer = time.AfterFunc(delay, func() {
			defer p.wg.Done()
			p.flush(p.take())
		})
	case time.Since(p.first)+delay <= maxWait:
		// Debounce. If Stop fails the timer fired: its flush takes this
		// item too.
		if p.timer.Stop() {
			p.timer.Reset(delay)
		}
	case it.force:
		// A forced item joined a pack that has waited its (shorter)
		// longest already: flush soon.
		if p.timer.Stop() {
			p.timer.Reset(max(0, maxWait-time.Since(p.first)))
		}
	}
	p.mu.Unlock()
}

// hurry makes the waiting pack flush with the default delays: someone
// waits for its files (walrusfs sync, fsync, a forced upload).
func (p *packer) hurry() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer == nil || p.force {
		return
	}
	p.force = true
	if p.timer.Stop() {
		p.timer.Reset(min(DefaultPackDelay, max(0, DefaultPackMaxWait-time.Since(p.first))))
	}
}

// flushNow uploads whatever is waiting (used at shutdown).
func (p *packer) flushNow() {
	p.wg.Add(1)
	defer p.wg.Done()
	p.flush(p.take())
}

func (p *packer) take() []packItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.takeLocked()
}

// takeLocked empties the pack. A pending timer is stopped; if it already
// fired, its flush finds an empty pack.
func (p *packer) takeLocked() []packItem {
	batch := p.items
	p.items, p.size, p.force = nil, 0, false
	if p.timer != nil {
		if p.timer.Stop() {
			p.wg.Done() // the timer's flush will not run
		}
		p.timer = nil
	}
	return batch
}

// flush stores batch as one blob and commits every file in it.
func (p *packer) flush(batch []packItem) {
	if len(batch) == 0 {
		return
	}
	u, f := p.u, p.u.f
	// Each file is sealed by itself (its own key) when the mount
	// encrypts; the pack is the concatenation.
	var total int
	for _, it := range batch {
		total += len(it.data)
	}
	if f.opt.Crypt != nil {
		total += len(batch) * 32 // a tag per segment: most small files have one
	}
	blob := make([]byte, 0, total)
	exts := make([]index.Extent, len(batch))
	for i, it := range batch {
		start := len(blob)
		var err error
		if f.opt.Crypt != nil {
			blob, exts[i].Key, err = f.opt.Crypt.Seal(blob, it.data)
		} else {
			blob = append(blob, it.data...)
		}
		if err != nil {
			for _, it := range batch {
				u.finish(it.st, err)
			}
			return
		}
		exts[i].Offset, exts[i].Length = uint64(start), uint64(len(blob)-start)
	}
	ctx := u.ctx
	free, err := u.bgSlot(ctx)
	if err != nil {
		for _, it := range batch {
			u.finish(it.st, err)
		}
		return
	}
	// The last upload in the queue carries the tree's commit (the new
	// directory nodes and the record), rather than a blob of its own.
	ride := f.rideCommit(ctx, batch, exts, uint64(len(blob)))
	if ride != nil {
		defer f.treeMu.Unlock()
		blob = append(blob, ride.tail()...)
	}
	f.gcMu.RLock()
	var info blobstore.Info
	if attrs := f.rideAttrs(ride); attrs != nil {
		a, _ := blobstore.As[blobstore.Attributer](f.store)
		info, err = a.PutAttributed(ctx, blob, attrs)
	} else {
		info, err = f.store.Put(ctx, blob)
	}
	free()
	if err != nil {
		f.gcMu.RUnlock()
		for _, it := range batch {
			u.finish(it.st, err)
		}
		return
	}
	f.sizes.put(info.ID, int64(len(blob)))
	errs := make([]error, len(batch))
	for i, it := range batch {
		ext := exts[i]
		ext.Blob = info.ID
		errs[i] = f.commit(ctx, it.st, it.up, map[uint64]index.Extent{0: ext})
	}
	if ride != nil {
		if _, err := f.finishCommit(ctx, ride, info.ID); err != nil {
			f.log.Warn("recording the tree commit stored with a pack", "blob", info.ID.String(), "err", err)
		}
	}
	f.gcMu.RUnlock()
	for i, it := range batch {
		u.finish(it.st, errs[i])
	}
}

// rideCommit prepares a commit of the tree to store with a pack, whose
// sealed files batch are at exts (blob IDs unset) and which is base bytes
// long: on an encrypted mount that writes its tree, when nothing else
// waits for an upload (the commit names only what is stored, and these
// files, stored with it), and when commits may be made in the background
// or CommitTree waits for one. On success it returns with treeMu held (the
// caller unlocks it once the commit is recorded); otherwise nil, and the
// tree is committed later as usual.
func (f *FS) rideCommit(ctx context.Context, batch []packItem, exts []index.Extent, base uint64) *pendingCommit {
	if f.opt.Tree == nil || f.opt.Crypt == nil || f.opt.ReadOnly {
		return nil
	}
	if !f.opt.Tree.Background && f.commitWanted.Load() == 0 {
		return nil // commits only when asked for
	}
	if !f.treeMu.TryLock() {
		return nil
	}
	pending := make(map[uint64]treebuild.PendingFile, len(batch))
	for i, it := range batch {
		pending[it.st.ino] = treebuild.PendingFile{Extent: exts[i], Len: uint64(len(it.data))}
	}
	q, err := f.idx.UploadQueue(ctx)
	if err == nil && !slices.ContainsFunc(q, func(ino uint64) bool { _, ok := pending[ino]; return !ok }) {
		f.gcMu.RLock()
		var pc *pendingCommit
		pc, _, err = f.prepareCommit(ctx, pending, base)
		f.gcMu.RUnlock()
		// The pack stays within PackMax, which keeps it a blob the
		// back end takes (a big tree is better stored by itself).
		if err == nil && pc != nil && base+uint64(len(pc.res.Blob)+len(pc.sealed)) <= uint64(f.opt.PackMax) {
			return pc
		}
	}
	if err != nil && !errors.Is(err, treebuild.ErrPending) {
		f.log.Debug("tree commit not stored with the pack", "err", err)
	}
	f.treeMu.Unlock()
	return nil
}

// rideAttrs are the attributes of a pack that carries a commit.
func (f *FS) rideAttrs(pc *pendingCommit) map[string]string {
	if pc == nil {
		return nil
	}
	return f.commitAttrs(pc)
}
