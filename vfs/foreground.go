package vfs

import (
	"context"
	"sync/atomic"
	"time"
)

// Foreground activity and the uploads' throttle.
//
// Encoding and storing a large file takes every core for tens of seconds;
// left alone it makes the user's own work in the mount wait behind it
// (creating small files ran at a tenth of its idle speed, reading at half).
// So the uploads are background work that gives way:
//
//   - The file system adapter calls RequestBegin and RequestEnd around
//     every request the kernel sends (package fs: activityFS), which count
//     requests in flight and stamp the time the last one ended (two
//     atomics per request, nothing else).
//   - uploadThrottle is the blobstore.Throttle on the uploader's Puts: the
//     store calls Yield between encoding batches and before each sliver it
//     sends, and Yield sleeps while a request is in flight or one ended
//     less than throttleQuiet ago. Every throttleMaxPause one paused caller
//     may do one unit of work, so uploads always progress, slowly, even
//     under a user who never stops (and at full speed in the user's first
//     pause of throttleQuiet).
//   - Background Puts run one at a time (uploader.bgSlot) with one encoding
//     goroutine (Workers), so at least one core's worth of Go scheduler
//     slots stays free for FUSE requests: a request that finds every P
//     busy with encoder goroutines waits for the scheduler's 10 ms
//     preemption tick.
//   - While someone waits for uploads (FS.Sync, fsync's forced upload,
//     --sync-uploads) there is nothing to yield to: the waiter is the
//     foreground. uploader.urgent counts the waiters; while it is not zero
//     Yield returns at once, Workers is the store's default and Puts do not
//     wait for the background slot.

// Throttle tuning; see above.
const (
	throttleQuiet    = 20 * time.Millisecond
	throttleStep     = 2 * time.Millisecond
	throttleMaxPause = 250 * time.Millisecond
)

// activity is the foreground-activity signal of a mount.
type activity struct {
	inFlight atomic.Int64
	ended    atomic.Uint64 // requests ended so far
	last     atomic.Int64  // when the last request ended, in nanoseconds of now
	// now is the clock (nanoseconds, monotonic in the daemon; fake in
	// tests).
	now func() int64
}

func newActivity() *activity {
	base := time.Now()
	return &activity{now: func() int64 { return int64(time.Since(base)) + 1 }}
}

func (a *activity) begin() { a.inFlight.Add(1) }

func (a *activity) end() {
	a.last.Store(a.now())
	a.ended.Add(1)
	a.inFlight.Add(-1)
}

// busy says whether a request is in flight or one ended within quiet.
func (a *activity) busy(quiet time.Duration) bool {
	if a.inFlight.Load() > 0 {
		return true
	}
	l := a.last.Load()
	return l != 0 && a.now()-l < int64(quiet)
}

// uploadThrottle is the blobstore.Throttle of the uploader's Puts.
type uploadThrottle struct {
	act    *activity
	urgent *atomic.Int64 // waiters for uploads (uploader.urgent)
	// sleep waits d or until ctx ends (sleepCtx; a fake in tests).
	sleep func(ctx context.Context, d time.Duration) error
	// pauses counts the steps Yield slept (tests).
	pauses atomic.Int64
	// lastPass is when (act.now) a caller last went on because it had
	// paused throttleMaxPause.
	lastPass atomic.Int64
}

// Yield sleeps in throttleStep steps while the mount is busy and nobody
// waits for uploads. After throttleMaxPause a caller may go on, but only
// one per throttleMaxPause across all callers (the encoder's worker and
// every sliver sender share the bound): under a user who never stops, the
// upload does one unit of work per throttleMaxPause.
func (t *uploadThrottle) Yield(ctx context.Context) error {
	start := t.act.now()
	for {
		if t.urgent.Load() > 0 || !t.act.busy(throttleQuiet) {
			return nil
		}
		if now := t.act.now(); now-start >= int64(throttleMaxPause) {
			last := t.lastPass.Load()
			if now-last >= int64(throttleMaxPause) && t.lastPass.CompareAndSwap(last, now) {
				return nil
			}
		}
		t.pauses.Add(1)
		if err := t.sleep(ctx, throttleStep); err != nil {
			return err
		}
	}
}

// Workers is one encoding goroutine in the background, the store's
// default while someone waits.
func (t *uploadThrottle) Workers() int {
	if t.urgent.Load() > 0 {
		return 0
	}
	return 1
}

// RequestBegin and RequestEnd bracket every request of the user's programs
// (the adapter calls them for each FUSE request): uploads yield while one
// is in flight or one ended a moment ago (see foreground.go).
func (f *FS) RequestBegin() { f.up.act.begin() }

// RequestEnd ends what RequestBegin began.
func (f *FS) RequestEnd() { f.up.act.end() }

// Requests reports the user's requests in flight and how many have ended
// since New.
func (f *FS) Requests() (inFlight int64, ended uint64) {
	return f.up.act.inFlight.Load(), f.up.act.ended.Load()
}
