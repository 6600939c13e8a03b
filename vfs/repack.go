package vfs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
)

// Repacking.
//
// A pack blob is paid for whole for as long as any file uses it: once most
// of its small files are deleted or rewritten it costs what it did, for a
// fraction of the content (on Walrus every blob also carries a fixed
// metadata overhead of n(64n+32) bytes, 64 MB at 1000 shards, so many
// half-empty packs cost much more than one full one). Repack copies the
// live extents of such blobs into new packs and moves the chunks over
// (index.MoveExtents, a compare-and-swap per chunk: a file changed
// meanwhile keeps its new content); the old blobs lose their last
// reference and the collector deletes them after the grace period, which
// on Walrus returns their storage for reuse. This is restic's prune idea.
//
// A blob is a candidate when its dead share (bytes no chunk reads, over
// its size) is at least Options.RepackThreshold. A pass runs only if it
// pays: at least two candidates (so the blob count goes down) or at least
// RepackMinDead dead bytes. New blobs are bought like any upload, within
// the back end's spending cap: a refused purchase stops the pass and
// changes nothing.

const (
	// DefaultRepackThreshold: a blob at least half dead is repacked.
	DefaultRepackThreshold = 0.5
	// DefaultRepackInterval is how often the mount looks for blobs to
	// repack (the scan reads every chunk record of the index).
	DefaultRepackInterval = time.Hour
	// RepackMinDead is the dead bytes a single candidate must hold for a
	// pass to run.
	RepackMinDead = 4 << 20
)

// RepackResult is what a repacking pass did.
type RepackResult struct {
	// Repacked are the blobs whose live extents were copied (they are
	// unreferenced now and deleted after the grace period).
	Repacked []blobid.ID
	// New are the blobs written.
	New []blobid.ID
	// Copied is the number of bytes copied, Freed the bytes of the
	// repacked blobs (what stops being paid for once they are deleted).
	Copied, Freed int64
	// Moved counts chunks moved; Skipped those that changed during the
	// pass and kept their own content.
	Moved, Skipped int
}

type repackCand struct {
	usage index.BlobUsage
	size  int64
}

// Repack runs one repacking pass with threshold (the dead share that
// makes a blob a candidate, in (0, 1]; <= 0 means Options.RepackThreshold).
// It is safe to run while the mount is in use.
func (f *FS) Repack(ctx context.Context, threshold float64) (RepackResult, error) {
	if err := f.refuse("repack"); err != nil {
		return RepackResult{}, err
	}
	var res RepackResult
	if threshold <= 0 {
		threshold = f.opt.RepackThreshold
	}
	if threshold <= 0 { // periodic repacking is off; an explicit pass uses the default
		threshold = DefaultRepackThreshold
	}
	if threshold > 1 {
		return res, fmt.Errorf("repack threshold %v: want a dead share in (0, 1]", threshold)
	}
	f.repackMu.Lock()
	defer f.repackMu.Unlock()
	usages, err := f.idx.BlobUsages(ctx)
	if err != nil {
		return res, err
	}
	var cands []repackCand
	var dead int64
	for _, u := range usages {
		// A blob read whole by one chunk larger than any packed file is
		// a chunk of a large file: used in full, no need to ask its size.
		if len(u.Chunks) == 1 && u.Chunks[0].State.Extent.Offset == 0 && u.Live == u.End && int64(u.End) > f.opt.PackThreshold {
			continue
		}
		size, err := f.blobSize(ctx, u.Blob)
		if err != nil {
			f.log.Warn("repack: blob size", "blob", u.Blob.String(), "err", err)
			continue
		}
		if size <= 0 || float64(size-int64(u.Live)) < threshold*float64(size) {
			continue
		}
		cands = append(cands, repackCand{usage: u, size: size})
		dead += size - int64(u.Live)
	}
	if len(cands) == 0 || len(cands) == 1 && dead < RepackMinDead {
		return res, nil
	}
	// Fullest first is not needed: every candidate is rewritten. Keep the
	// order stable so a pass's packs are deterministic.
	sort.Slice(cands, func(i, j int) bool { return cands[i].usage.Blob.String() < cands[j].usage.Blob.String() })

	var batch []repackCand
	var batchLive int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := f.repackBatch(ctx, batch, &res)
		batch, batchLive = nil, 0
		return err
	}
	for _, c := range cands {
		if len(batch) > 0 && batchLive+int64(c.usage.Live) > f.opt.PackMax {
			if err := flush(); err != nil {
				return res, err
			}
		}
		batch = append(batch, c)
		batchLive += int64(c.usage.Live)
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
}

// repackBatch copies the live bytes of batch into one new blob and moves
// the chunks to it.
func (f *FS) repackBatch(ctx context.Context, batch []repackCand, res *RepackResult) error {
	type piece struct {
		c   index.StoredChunk
		off uint64
		n   uint64
	}
	var (
		blob   []byte
		pieces []piece
	)
	for _, c := range batch {
		for _, sc := range c.usage.Chunks {
			n := sc.State.LiveBytes()
			data, err := f.store.Read(ctx, c.usage.Blob, int64(sc.State.Extent.Offset), int64(n))
			if err != nil {
				return fmt.Errorf("repack: reading blob %v: %w", c.usage.Blob, err)
			}
			pieces = append(pieces, piece{c: sc, off: uint64(len(blob)), n: n})
			blob = append(blob, data...)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	free, err := f.up.bgSlot(ctx)
	if err != nil {
		return err
	}
	f.gcMu.RLock()
	defer f.gcMu.RUnlock()
	info, err := f.store.Put(ctx, blob)
	free()
	if err != nil {
		return fmt.Errorf("repack: storing the new pack: %w", err)
	}
	f.sizes.put(info.ID, int64(len(blob)))
	moves := make([]index.ExtentMove, len(pieces))
	for i, p := range pieces {
		moves[i] = index.ExtentMove{Ino: p.c.Ino, Chunk: p.c.Chunk, From: p.c.State,
			To: index.Extent{Blob: info.ID, Offset: p.off, Length: p.n, Key: p.c.State.Extent.Key}}
	}
	moved, err := f.idx.MoveExtents(ctx, moves)
	if err != nil {
		return fmt.Errorf("repack: moving chunks to blob %v: %w", info.ID, err)
	}
	res.Moved += moved
	res.Skipped += len(moves) - moved
	res.Copied += int64(len(blob))
	res.New = append(res.New, info.ID)
	for _, c := range batch {
		res.Repacked = append(res.Repacked, c.usage.Blob)
		res.Freed += c.size
	}
	f.log.Info("repacked blobs", "old", len(batch), "new", info.ID.String(), "copied", len(blob), "moved", moved)
	return nil
}

// repackLoop runs Repack every RepackInterval until the uploader stops.
func (f *FS) repackLoop() {
	if f.opt.RepackThreshold <= 0 {
		return
	}
	t := time.NewTicker(f.opt.RepackInterval)
	defer t.Stop()
	for {
		select {
		case <-f.up.stopCh:
			return
		case <-t.C:
		}
		if _, err := f.Repack(f.up.ctx, 0); err != nil && !errors.Is(err, context.Canceled) {
			f.log.Warn("repack", "err", err)
		}
	}
}
