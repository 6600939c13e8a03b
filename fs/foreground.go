package fs

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// Foreground activity and the uploads' throttle.
//
// Encoding and storing a large file takes every core for tens of seconds;
// left alone it makes the user's own work in the mount wait behind it
// (creating small files ran at a tenth of its idle speed, reading at half).
// So the uploads are background work that gives way:
//
//   - activityFS counts every FUSE request the kernel sends while it is
//     being served and stamps the time the last one ended (two atomics per
//     request, nothing else).
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
	last     atomic.Int64 // when the last request ended, in nanoseconds of now
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

// activityFS is the mount's fuse.RawFileSystem: go-fuse's node bridge,
// with every request the user's programs make counted in act.
type activityFS struct {
	fuse.RawFileSystem
	act *activity
}

func (a *activityFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Lookup(c, h, name, out)
}

func (a *activityFS) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.GetAttr(c, in, out)
}

func (a *activityFS) SetAttr(c <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.SetAttr(c, in, out)
}

func (a *activityFS) Mknod(c <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Mknod(c, in, name, out)
}

func (a *activityFS) Mkdir(c <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Mkdir(c, in, name, out)
}

func (a *activityFS) Unlink(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Unlink(c, h, name)
}

func (a *activityFS) Rmdir(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Rmdir(c, h, name)
}

func (a *activityFS) Rename(c <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Rename(c, in, oldName, newName)
}

func (a *activityFS) Link(c <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Link(c, in, name, out)
}

func (a *activityFS) Symlink(c <-chan struct{}, h *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Symlink(c, h, target, name, out)
}

func (a *activityFS) Readlink(c <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Readlink(c, h)
}

func (a *activityFS) Access(c <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Access(c, in)
}

func (a *activityFS) GetXAttr(c <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.GetXAttr(c, h, attr, dest)
}

func (a *activityFS) ListXAttr(c <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.ListXAttr(c, h, dest)
}

func (a *activityFS) SetXAttr(c <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.SetXAttr(c, in, attr, data)
}

func (a *activityFS) RemoveXAttr(c <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.RemoveXAttr(c, h, attr)
}

func (a *activityFS) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Create(c, in, name, out)
}

func (a *activityFS) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Open(c, in, out)
}

func (a *activityFS) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Read(c, in, buf)
}

func (a *activityFS) Lseek(c <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Lseek(c, in, out)
}

func (a *activityFS) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	a.act.begin()
	defer a.act.end()
	a.RawFileSystem.Release(c, in)
}

func (a *activityFS) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Write(c, in, data)
}

func (a *activityFS) Writev(c <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Writev(c, in, data)
}

func (a *activityFS) CopyFileRange(c <-chan struct{}, in *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.CopyFileRange(c, in)
}

func (a *activityFS) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Flush(c, in)
}

func (a *activityFS) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Fsync(c, in)
}

func (a *activityFS) Fallocate(c <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Fallocate(c, in)
}

func (a *activityFS) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.OpenDir(c, in, out)
}

func (a *activityFS) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.ReadDir(c, in, out)
}

func (a *activityFS) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.ReadDirPlus(c, in, out)
}

func (a *activityFS) FsyncDir(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.FsyncDir(c, in)
}

func (a *activityFS) StatFs(c <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.StatFs(c, h, out)
}

func (a *activityFS) Statx(c <-chan struct{}, in *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	a.act.begin()
	defer a.act.end()
	return a.RawFileSystem.Statx(c, in, out)
}
