package vfs

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
)

// The uploader moves staged chunks to the store.
//
// A file is queued (in memory; the index's upload queue is the durable
// copy) when it is closed after writing, fsynced, or found in the index
// queue at start. A bounded pool of workers takes queued files:
// BeginUpload -> read the staged chunks -> Store.Put -> CommitUpload with
// the generation of BeginUpload -> punch the committed chunks out of the
// staging file (and delete it when nothing is staged). Small files go to
// the packer (pack.go) instead of Store.Put. ErrStale (the file changed)
// requeues the file; store errors are recorded with FailUpload and retried
// with exponential backoff, forever (a permanent error waits longer). A
// file still open for writing is left for its last close unless forced
// (fsync, sync, start-up).
type uploader struct {
	f  *FS
	pk *packer

	ctx    context.Context // cancelled when stop's grace runs out
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // buffered(1): the queue changed
	stopCh chan struct{} // closed by stop

	mu sync.Mutex
	// Every pending inode is in exactly one of two FIFOs (of uint64):
	// settling holds those whose settle time is still ahead, in
	// nondecreasing settle order (settle is always enqueue time +
	// UploadDelay, and a re-enqueue moves the entry to the back), so next
	// only ever looks at its front; ready holds the rest. next is then
	// O(1) per call in a burst of thousands of closes, not a scan of
	// every pending file per close.
	settling *list.List           // GUARDED_BY(mu)
	ready    *list.List           // GUARDED_BY(mu)
	pending  map[uint64]*queued   // GUARDED_BY(mu)
	running  map[uint64]bool      // taken by a worker or the packer. GUARDED_BY(mu)
	attempts map[uint64]int       // consecutive failures. GUARDED_BY(mu)
	lastErr  map[uint64]error     // last failure, until the next success. GUARDED_BY(mu)
	stopping bool                 // GUARDED_BY(mu)
	inFlight map[uint64]time.Time // start of running uploads (status). GUARDED_BY(mu)
	// A waiter (Sync, waitUploaded) bumps waitGen and counts only failures
	// of runs that started after it: a run already failing when the
	// waiter came (e.g. before the back end recovered) is not its answer.
	waitGen  uint64            // GUARDED_BY(mu)
	startGen map[uint64]uint64 // waitGen when each running upload started. GUARDED_BY(mu)
	errGen   map[uint64]uint64 // waitGen when the failed run of lastErr started. GUARDED_BY(mu)

	// committing counts commits between CommitUpload and the release of
	// their staging bytes (see FS.commit). GUARDED_BY(mu)
	committing int

	// Yielding to the user's work (foreground.go): act is bumped by every
	// FUSE request, urgent counts the callers waiting for uploads (Sync,
	// waitUploaded), th is the Throttle carried by ctx to the store, and
	// bg (buffered(1)) is the slot a background Put holds.
	act    *activity
	urgent atomic.Int64
	th     *uploadThrottle
	bg     chan struct{}
}

type queued struct {
	force     bool
	notBefore time.Time // backoff after a failure (FS clock)
	// settle delays an unforced upload until the file has been quiet for
	// Options.UploadDelay (wall clock): a burst of closes (a folder dragged
	// in, rsync) is not slowed by uploads of its first files.
	settle time.Time
	elem   *list.Element // in u.settling or u.ready
	list   *list.List
}

func newUploader(f *FS) *uploader {
	u := &uploader{f: f, wake: make(chan struct{}, 1), stopCh: make(chan struct{}), pending: make(map[uint64]*queued),
		settling: list.New(), ready: list.New(),
		running: make(map[uint64]bool), attempts: make(map[uint64]int), lastErr: make(map[uint64]error),
		inFlight: make(map[uint64]time.Time), startGen: make(map[uint64]uint64), errGen: make(map[uint64]uint64)}
	u.act = newActivity()
	u.th = &uploadThrottle{act: u.act, urgent: &u.urgent, sleep: sleepCtx}
	u.bg = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	u.ctx, u.cancel = blobstore.WithThrottle(ctx, u.th), cancel
	u.pk = &packer{u: u}
	return u
}

// bgSlot waits for the background slot: one Put at a time while nobody
// waits for uploads. The returned func gives it back. A waiter arriving
// (urgent) or the uploader stopping ends the wait without the slot.
func (u *uploader) bgSlot(ctx context.Context) (func(), error) {
	for {
		if u.urgent.Load() > 0 {
			return func() {}, nil
		}
		t := time.NewTimer(throttleQuiet)
		select {
		case u.bg <- struct{}{}:
			t.Stop()
			return func() { <-u.bg }, nil
		case <-u.stopCh:
			t.Stop()
			return func() {}, nil
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (u *uploader) start() {
	for range u.f.opt.UploadWorkers {
		u.wg.Go(u.worker)
	}
	u.wg.Go(u.f.gcLoop)
	u.wg.Go(u.f.repackLoop)
}

// stop lets running uploads finish for up to grace, flushes the pending
// pack, then cancels what is left (it stays queued in the index).
func (u *uploader) stop(grace time.Duration) {
	u.mu.Lock()
	if u.stopping {
		u.mu.Unlock()
		return
	}
	u.stopping = true
	u.mu.Unlock()
	close(u.stopCh)
	u.pk.flushNow()
	done := make(chan struct{})
	go func() { u.wg.Wait(); u.pk.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		u.cancel()
		<-done
	}
	u.cancel()
}

func (u *uploader) signal() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// enqueue queues ino; force uploads it even while it is open for writing.
func (u *uploader) enqueue(ino uint64, force bool) {
	if force {
		u.pk.hurry()
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var settle time.Time
	if !force && u.f.opt.UploadDelay > 0 {
		settle = time.Now().Add(u.f.opt.UploadDelay)
	}
	q, ok := u.pending[ino]
	switch {
	case !ok:
		q = &queued{force: force, settle: settle}
		u.pending[ino] = q
	case force:
		q.force = true
		q.notBefore, q.settle = time.Time{}, time.Time{}
	case !q.force:
		q.settle = settle
	default:
		return // already forced: nothing changes
	}
	if q.settle.IsZero() {
		u.place(q, ino, u.ready)
		u.signal()
	} else {
		u.place(q, ino, u.settling)
	}
}

// place moves (or adds) pending entry q of ino to the back of l. Caller
// holds mu.
func (u *uploader) place(q *queued, ino uint64, l *list.List) {
	if q.elem != nil {
		q.list.Remove(q.elem)
	}
	q.elem, q.list = l.PushBack(ino), l
}

// next blocks until a queued file is due and not running, and takes it.
func (u *uploader) next() (uint64, bool, bool) {
	for {
		u.mu.Lock()
		if u.stopping {
			u.mu.Unlock()
			return 0, false, false
		}
		now, wall := u.f.clock(), time.Now()
		wait := time.Second
		for e := u.settling.Front(); e != nil; e = u.settling.Front() {
			ino := e.Value.(uint64)
			q := u.pending[ino]
			if d := q.settle.Sub(wall); d > 0 {
				wait = min(wait, d)
				break
			}
			u.place(q, ino, u.ready)
		}
		for e := u.ready.Front(); e != nil; e = e.Next() {
			ino := e.Value.(uint64)
			q := u.pending[ino]
			if u.running[ino] {
				continue
			}
			if d := q.notBefore.Sub(now); d > 0 {
				wait = min(wait, d)
				continue
			}
			u.ready.Remove(e)
			delete(u.pending, ino)
			u.running[ino] = true
			u.inFlight[ino] = now
			u.startGen[ino] = u.waitGen
			u.mu.Unlock()
			return ino, q.force, true
		}
		u.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-u.wake:
		case <-t.C:
		case <-u.stopCh:
		}
		t.Stop()
	}
}

// done ends the run of ino; err is its failure (nil: success or nothing
// to do), retry requeues it (after backoff if err != nil).
func (u *uploader) done(ino uint64, err error, retry bool) {
	u.mu.Lock()
	delete(u.running, ino)
	delete(u.inFlight, ino)
	if err == nil {
		delete(u.attempts, ino)
		delete(u.lastErr, ino)
	} else {
		u.attempts[ino]++
		u.lastErr[ino] = err
		u.errGen[ino] = u.startGen[ino]
	}
	delete(u.startGen, ino)
	if retry {
		q := u.pending[ino]
		if q == nil {
			q = &queued{force: true}
			u.pending[ino] = q
			u.place(q, ino, u.ready)
		}
		if err != nil {
			q.notBefore = u.f.clock().Add(u.backoff(u.attempts[ino], err))
		}
	}
	u.mu.Unlock()
	u.signal()
}

// newWait starts a waiter and returns its generation; failedSince returns
// the last failure of ino in a run that started after it. Caller holds mu.
func (u *uploader) newWait() uint64 {
	u.waitGen++
	return u.waitGen
}

func (u *uploader) failedSince(ino, gen uint64) error {
	if u.errGen[ino] < gen {
		return nil
	}
	return u.lastErr[ino]
}

// backoff is RetryBase * 2^(n-1), capped at RetryMax; permanent errors
// wait at least RetryMax/4.
func (u *uploader) backoff(n int, err error) time.Duration {
	d := u.f.opt.RetryBase << min(max(n-1, 0), 20)
	d = min(d, u.f.opt.RetryMax)
	if blobstore.IsPermanent(err) {
		d = max(d, u.f.opt.RetryMax/4)
	}
	return d
}

func (u *uploader) worker() {
	for {
		ino, force, ok := u.next()
		if !ok {
			return
		}
		u.process(ino, force)
	}
}

// process uploads one file. It ends with u.done, or hands the file (its
// state reference and running mark) to the packer.
func (u *uploader) process(ino uint64, force bool) {
	f := u.f
	ctx := u.ctx
	st := f.acquire(ino)
	f.mu.Lock()
	skip := st.orphaned || (st.writers > 0 && !force)
	f.mu.Unlock()
	if skip {
		f.release(st)
		u.done(ino, nil, false)
		return
	}
	st.mu.Lock()
	err := f.flushDirty(ctx, st)
	var up index.Upload
	if err == nil {
		up, err = f.idx.BeginUpload(ctx, ino)
	}
	st.mu.Unlock()
	if errors.Is(err, index.ErrNotFound) || errors.Is(err, index.ErrInvalid) {
		f.release(st) // gone, orphaned or nothing staged
		u.done(ino, nil, false)
		return
	}
	if err != nil {
		u.failed(st, err)
		return
	}
	if c0, ok := up.Staged[0]; ok && len(up.Staged) == 1 && up.Size <= uint64(f.opt.PackThreshold) {
		data, err := f.readUpload(st, up, 0, c0)
		if err != nil {
			u.failed(st, err)
			return
		}
		u.pk.add(packItem{st: st, up: up, data: data, force: force})
		return
	}
	err = u.uploadChunks(ctx, st, up)
	u.finish(st, err)
}

// uploadChunks stores each staged chunk of up as its own blob and commits
// it at once (partial commits keep progress across a crash).
func (u *uploader) uploadChunks(ctx context.Context, st *inodeState, up index.Upload) error {
	f := u.f
	for ci := range sortedKeys(up.Staged) {
		f.mu.Lock()
		gone := st.orphaned
		f.mu.Unlock()
		if gone {
			return nil // deleted meanwhile: storing the rest would be paid for nothing
		}
		plain, err := f.readUpload(st, up, ci, up.Staged[ci])
		if err != nil {
			return err
		}
		data, key, err := f.sealData(plain)
		if err != nil {
			return err
		}
		free, err := u.bgSlot(ctx)
		if err != nil {
			return err
		}
		f.gcMu.RLock()
		info, err := f.store.Put(ctx, data)
		free()
		if err == nil {
			f.sizes.put(info.ID, int64(len(data)))
			ext := index.Extent{Blob: info.ID, Length: uint64(len(data)), Key: key}
			err = f.commit(ctx, st, up, map[uint64]index.Extent{ci: ext})
		}
		f.gcMu.RUnlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// finish ends an upload of st with err: success, stale (requeue), gone, or
// a failure (recorded, retried with backoff). It releases st.
func (u *uploader) finish(st *inodeState, err error) {
	switch {
	case err == nil, errors.Is(err, index.ErrNotFound):
		u.f.release(st)
		u.done(st.ino, nil, false)
	case errors.Is(err, index.ErrStale):
		u.f.mu.Lock()
		again := st.writers == 0 && !st.orphaned
		u.f.mu.Unlock()
		u.f.release(st)
		u.done(st.ino, nil, again)
	case errors.Is(err, context.Canceled) && u.ctx.Err() != nil:
		u.f.release(st) // shutting down: stays queued in the index
		u.done(st.ino, nil, false)
	default:
		u.failed(st, err)
	}
}

// failed records err in the index (shown by status and the xattrs) and
// schedules a retry.
func (u *uploader) failed(st *inodeState, err error) {
	u.f.log.Warn("upload failed; will retry", "ino", st.ino, "err", err)
	if ferr := u.f.idx.FailUpload(context.WithoutCancel(u.ctx), st.ino, err.Error()); ferr != nil && !errors.Is(ferr, index.ErrNotFound) {
		u.f.log.Error("recording upload failure", "ino", st.ino, "err", ferr)
	}
	u.f.release(st)
	u.done(st.ino, err, true)
}
