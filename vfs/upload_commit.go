package vfs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/index"
)

// readUpload reads the n valid bytes of staged chunk ci for an upload.
// Concurrent writes may tear the bytes; the generation check of the
// commit then rejects them.
func (f *FS) readUpload(st *inodeState, up index.Upload, ci, n uint64) ([]byte, error) {
	buf := make([]byte, n)
	st.mu.RLock()
	defer st.mu.RUnlock()
	if err := f.readStaging(st, buf, int64(ci*up.ChunkSize)); err != nil {
		return nil, err
	}
	return buf, nil
}

// commit swaps the given staged chunks of st to stored extents if the file
// has not changed since up was taken, then frees their staging bytes and,
// when nothing is staged any more, the staging file. Dirty chunks are
// flushed first: they bump the generation, so the commit is stale. Callers
// hold f.gcMu (RLock). Not cancelled by ctx: a blob that was stored should
// be committed.
func (f *FS) commit(ctx context.Context, st *inodeState, up index.Upload, m map[uint64]index.Extent) error {
	ctx = context.WithoutCancel(ctx)
	// Counted from before CommitUpload takes the file off the queue until
	// its staging bytes are freed: Sync waits for that too.
	f.up.mu.Lock()
	f.up.committing++
	f.up.mu.Unlock()
	defer func() {
		f.up.mu.Lock()
		f.up.committing--
		f.up.mu.Unlock()
	}()
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := f.flushDirty(ctx, st); err != nil {
		return err
	}
	if err := f.idx.CommitUpload(ctx, st.ino, up.Generation, m); err != nil {
		return err
	}
	fd, err := f.stagingFile(st, false)
	if err != nil {
		return err
	}
	if fd != nil {
		// The commit must be durable before staging bytes are freed: a
		// power cut must not bring back a staged chunk whose bytes are
		// gone. (A small file without a staging file frees nothing.)
		if err := f.idx.Sync(ctx); err != nil {
			return err
		}
		for ci := range m {
			if err := punch(fd, int64(ci*up.ChunkSize), int64(up.ChunkSize)); err != nil {
				f.log.Warn("freeing staging bytes", "ino", st.ino, "err", err)
			}
		}
	}
	fs, err := f.idx.FileState(ctx, st.ino)
	if err == nil && fs.StagedBytes == 0 {
		err = f.deleteStaging(st)
	}
	return err
}

func sortedKeys[V any](m map[uint64]V) iter.Seq[uint64] {
	return slices.Values(slices.Sorted(maps.Keys(m)))
}

// waitUploaded queues ino (forced) and waits until it has nothing staged
// and no commit is freeing staging bytes, or its upload fails (the error
// is returned).
func (u *uploader) waitUploaded(ctx context.Context, ino uint64) error {
	// The waiter is the foreground: uploads run unthrottled meanwhile.
	u.urgent.Add(1)
	defer u.urgent.Add(-1)
	u.mu.Lock()
	gen := u.newWait()
	u.mu.Unlock()
	u.enqueue(ino, true)
	for i := 1; ; i++ {
		if i%askAgainEvery == 0 {
			u.requeueIdle([]uint64{ino})
		}
		fs, err := u.f.idx.FileState(ctx, ino)
		if errors.Is(err, index.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u.mu.Lock()
		lerr := u.failedSince(ino, gen)
		committing := u.committing
		u.mu.Unlock()
		if fs.State == index.UploadStored || fs.State == index.UploadNone {
			// Stored; done once its staging bytes are freed (see
			// FS.commit).
			if committing == 0 {
				return nil
			}
		} else if lerr != nil {
			return fmt.Errorf("upload of inode %d failed: %w", ino, lerr)
		}
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
}

// Sync queues every file with staged chunks (retrying failed ones now,
// and asking again for files whose upload went stale: requeueIdle)
// and waits until the upload queue is empty and no commit is still
// freeing staging bytes, then makes the index durable;
// or returns the first upload failure that happens meanwhile.
func (f *FS) Sync(ctx context.Context) error {
	// The waiter is the foreground: uploads run unthrottled meanwhile.
	f.up.urgent.Add(1)
	defer f.up.urgent.Add(-1)
	f.up.pk.hurry()
	q, err := f.idx.UploadQueue(ctx)
	if err != nil {
		return err
	}
	f.up.mu.Lock()
	gen := f.up.newWait()
	f.up.mu.Unlock()
	for _, ino := range q {
		f.up.enqueue(ino, true)
	}
	for i := 1; ; i++ {
		if i%askAgainEvery == 0 {
			if q, err = f.idx.UploadQueue(ctx); err != nil {
				return err
			}
			f.up.requeueIdle(q)
		}
		empty, err := f.idx.QueueEmpty(ctx)
		if err != nil {
			return err
		}
		f.up.mu.Lock()
		// A commit takes its file off the queue before it frees the
		// staging bytes: wait for it, so Sync returns with them freed.
		// (Not for whole running uploads: one of a file deleted
		// meanwhile is not in the queue and can take minutes.)
		if empty && f.up.committing == 0 {
			f.up.mu.Unlock()
			// Everything stored; make every operation so far durable
			// too (renames, deletions: with DurableOnFsync nothing else
			// may have flushed them yet).
			return f.idx.Sync(ctx)
		}
		var failed []error
		for ino := range f.up.lastErr {
			if e := f.up.failedSince(ino, gen); e != nil {
				failed = append(failed, fmt.Errorf("inode %d: %w", ino, e))
			}
		}
		f.up.mu.Unlock()
		if len(failed) > 0 {
			return fmt.Errorf("%d uploads failed (they are retried in the background): %w", len(failed), errors.Join(failed...))
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// askAgainEvery is how many rounds of the wait loops of Sync (20 ms) and
// waitUploaded (10 ms) pass between two requeueIdle calls.
const askAgainEvery = 25

// requeueIdle queues (forced) each of inos that is neither pending nor
// held by a worker or the packer. A waiter calls it for the files it waits
// for: an upload that a write made stale is not retried while its file is
// still open for writing (see finish; that write's close or fsync queues
// it again), so without asking again a waiter would wait for the file's
// last close, and forever if the writer only waits for the waiter (a
// program that runs walrusfs sync between its writes).
func (u *uploader) requeueIdle(inos []uint64) {
	for _, ino := range inos {
		u.mu.Lock()
		idle := !u.running[ino] && u.pending[ino] == nil
		u.mu.Unlock()
		if idle {
			u.enqueue(ino, true)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
