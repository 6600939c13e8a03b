package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/vfs"
)

// Background commits of the tree (encrypted mounts).
//
// Every blob costs its full metadata on Walrus, so commits are coalesced:
// one is made when the index has changed and then stayed unchanged for a
// quiet period, or when changes have kept coming for MaxWait since the
// first one after the last commit. walrusfs sync and a clean unmount make
// one too (controlled.Sync, RunDaemon).

// Default quiet periods before a background commit: short on the embedded
// network, where a blob costs nothing; long with direct writes to Walrus,
// where each commit blob pays the metadata of a whole blob.
const (
	DefaultCommitQuiet       = 30 * time.Second
	DefaultCommitQuietWalrus = 10 * time.Minute
	// commitMaxWaitFactor: changes that never pause are committed after
	// this many quiet periods.
	commitMaxWaitFactor = 6
	// unmountCommitTimeout bounds the commit a clean unmount makes.
	unmountCommitTimeout = 30 * time.Second
)

// committer makes the background commits.
type committer struct {
	fs    *vfs.FS
	idx   *index.Index
	quiet time.Duration
	log   *slog.Logger
	now   func() time.Time
	mu    sync.Mutex
	// committed is Index.Written when the last commit started.
	committed uint64
	// seen and changed: the last Written observed and when it moved;
	// first is when the first change after the last commit was seen.
	seen           uint64
	changed, first time.Time
	// superseded: another data directory committed the volume (with a
	// wallet: ErrSuperseded); no more background commits.
	superseded bool
	lastErr    string // of the last commit, "" if it succeeded
}

// warning says why commits stop or fail, "" if they do not.
func (c *committer) warning() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.superseded {
		return "commits stopped: " + ErrSuperseded.Error()
	}
	if c.lastErr != "" {
		return "the last commit failed (retried): " + c.lastErr
	}
	return ""
}

func newCommitter(f *vfs.FS, idx *index.Index, quiet time.Duration, log *slog.Logger) *committer {
	w := idx.Written()
	return &committer{fs: f, idx: idx, quiet: quiet, log: log, now: time.Now, committed: w, seen: w}
}

// due reports whether a background commit should be made now.
func (c *committer) due() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.superseded {
		return false
	}
	now := c.now()
	w := c.idx.Written()
	if w != c.seen {
		if c.first.IsZero() {
			c.first = now
		}
		c.seen, c.changed = w, now
	}
	if w == c.committed {
		return false
	}
	return now.Sub(c.changed) >= c.quiet || now.Sub(c.first) >= commitMaxWaitFactor*c.quiet
}

// pending reports whether the index changed since the last commit.
func (c *committer) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idx.Written() != c.committed
}

// commit makes a commit (after the uploads: vfs.FS.CommitTree) and
// remembers where the index was.
func (c *committer) commit(ctx context.Context, why string) (vfs.TreeCommit, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.idx.Written()
	tc, err := c.fs.CommitTree(ctx)
	if errors.Is(err, ErrSuperseded) && !c.superseded {
		c.superseded = true
		c.log.Error("tree commits stop", "err", err)
	}
	if err != nil {
		c.lastErr = err.Error()
		return tc, err
	}
	c.committed, c.first, c.lastErr = w, time.Time{}, ""
	c.log.Debug("tree commit", "why", why, "seq", tc.Seq)
	return tc, nil
}

// run checks every tick until ctx ends.
func (c *committer) run(ctx context.Context) {
	tick := time.NewTicker(max(c.quiet/10, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if c.due() {
				if _, err := c.commit(ctx, "quiet"); err != nil && ctx.Err() == nil {
					c.log.Warn("tree commit failed; retried later", "err", err)
				}
			}
		}
	}
}
