package vfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/treebuild"
)

// The tree on the network.
//
// With Options.Tree set (an encrypted mount), CommitTree writes the tree
// to the store: the directory nodes that changed since the last commit
// (package treebuild) and a commit record, in one blob. A commit names
// only stored data: it is made after the uploads are done (walrusfs sync
// makes one). The state between commits (each directory's node key,
// wrapped, and where its last node is; the commits made) is kept in
// TreeOptions.StatePath. From the last commit's location and the volume
// key, treebuild.Restore rebuilds the index on another machine.

// TreeOptions configures the tree on the network (Options.Tree).
type TreeOptions struct {
	Keys   tree.Keys
	Volume [16]byte
	// StatePath is the file holding the tree's state between commits.
	StatePath string
	// Label, if set, returns the public attributes to set on the blob
	// that holds commit c (its sealed record: n bytes at off), on back
	// ends that can (blobstore.Attributer): they let the owner find the
	// latest commit from the chain alone. nodes is where the commit's
	// new nodes start in the blob (0 for a blob of its own; after the
	// files of a pack that carries it).
	Label func(c tree.Commit, nodes, off, n uint64) map[string]string
	// Background allows commits without a caller waiting for one: with
	// the last pack of a burst of uploads (rideCommit). Without it a pack
	// carries a commit only while CommitTree waits for it.
	Background bool
	// Check, if set, is called before a commit with sequence number seq
	// is written. An error stops it (another machine has written a later
	// commit of the volume: two writers would fork the tree). A non-nil
	// head is a later commit this data directory wrote but did not record
	// (it crashed in between): the commit is made on top of it.
	Check func(ctx context.Context, seq uint64) (head *TreeHead, err error)
	// Retention decides which commits stay as snapshots (nil:
	// DefaultRetention).
	Retention *Retention
}

// TreeHead is a commit to build on: its sequence number and record.
type TreeHead struct {
	Seq uint64
	Loc tree.Loc
}

// TreeCommit describes a commit.
type TreeCommit struct {
	Seq   uint64    `json:"seq"`
	Loc   tree.Loc  `json:"loc"`
	Time  time.Time `json:"time"`
	Files uint64    `json:"files"`
	Bytes uint64    `json:"bytes"`
	// Nodes is the number of directory nodes the commit wrote.
	Nodes int `json:"nodes"`
	// TreeBlobs are the blobs holding the commit's record and its
	// directory nodes; DataBlobs those holding its files' chunks. While
	// the commit is kept (Retention), they are not deleted and are
	// renewed.
	TreeBlobs []blobid.ID `json:"tree_blobs,omitempty"`
	DataBlobs []blobid.ID `json:"data_blobs,omitempty"`
}

// treeState is the content of TreeOptions.StatePath.
type treeState struct {
	Volume  [16]byte             `json:"volume"`
	Commits []TreeCommit         `json:"commits"`
	Dirs    map[uint64]dirRecord `json:"dirs"`
	// Top is the digest of the last commit's root location and root
	// attributes (rootDigest): equal means nothing to commit.
	Top [32]byte `json:"top"`
}

type dirRecord struct {
	Key    index.WrappedKey `json:"key"` // the node key, wrapped like chunk keys
	Digest [32]byte         `json:"digest"`
	Loc    tree.Loc         `json:"loc"`
}

// ErrNoTree: the mount does not write its tree to the network (a
// plaintext mount).
var ErrNoTree = errors.New("this mount does not write its tree to the network (it is not encrypted)")

// loadTreeState reads the state file. It is replaced atomically, so a
// reader needs no lock; a change (read, modify, write) holds treeMu.
func (f *FS) loadTreeState() (*treeState, error) {
	st := &treeState{Dirs: map[uint64]dirRecord{}}
	b, err := os.ReadFile(f.opt.Tree.StatePath)
	if errors.Is(err, os.ErrNotExist) {
		st.Volume = f.opt.Tree.Volume
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("tree state %s: %w", f.opt.Tree.StatePath, err)
	}
	if st.Volume != f.opt.Tree.Volume {
		return nil, fmt.Errorf("tree state %s belongs to another volume", f.opt.Tree.StatePath)
	}
	if st.Dirs == nil {
		st.Dirs = map[uint64]dirRecord{}
	}
	return st, nil
}

// InitTreeState writes the tree state of a data directory recovered from
// commit last of volume (its directories' nodes are rewritten by the next
// commit, whose parent is last).
func InitTreeState(path string, volume [16]byte, last TreeCommit) error {
	b, err := json.Marshal(treeState{Volume: volume, Commits: []TreeCommit{last}, Dirs: map[uint64]dirRecord{}})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, &atomicfile.Options{Perm: 0o600})
}

// LastTreeCommit returns the last commit, ok false if there is none.
func (f *FS) LastTreeCommit() (TreeCommit, bool, error) {
	if f.opt.Tree == nil {
		return TreeCommit{}, false, ErrNoTree
	}
	st, err := f.loadTreeState()
	if err != nil || len(st.Commits) == 0 {
		return TreeCommit{}, false, err
	}
	return st.Commits[len(st.Commits)-1], true, nil
}

// TreeBlobs returns the blobs the kept commits need besides those the
// index references: their records and directory nodes, and the data of
// files deleted or overwritten since. They must stay alive (renewal) as
// long as those commits are kept.
func (f *FS) TreeBlobs() ([]blobid.ID, error) {
	if f.opt.Tree == nil {
		return nil, nil
	}
	st, err := f.loadTreeState()
	if err != nil {
		return nil, err
	}
	held := heldBlobs(st)
	out := make([]blobid.ID, 0, len(held))
	for id := range held {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b blobid.ID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// heldBlobs is every blob the kept commits of st name.
func heldBlobs(st *treeState) map[blobid.ID]bool {
	held := map[blobid.ID]bool{}
	add := func(id blobid.ID) {
		if !id.IsZero() {
			held[id] = true
		}
	}
	for _, d := range st.Dirs {
		add(d.Loc.Blob)
	}
	for _, c := range st.Commits {
		add(c.Loc.Blob)
		for _, id := range c.TreeBlobs {
			add(id)
		}
		for _, id := range c.DataBlobs {
			add(id)
		}
	}
	return held
}

// treeHolds reports whether a kept commit names blob id (the collector
// does not delete it).
func (f *FS) treeHolds(id blobid.ID) bool {
	h := f.treeHeld.Load()
	return h != nil && (*h)[id]
}

// initTreeHeld loads the blobs the kept commits hold (at start).
func (f *FS) initTreeHeld() error {
	if f.opt.Tree == nil {
		return nil
	}
	st, err := f.loadTreeState()
	if err != nil {
		return err
	}
	h := heldBlobs(st)
	f.treeHeld.Store(&h)
	return nil
}

// HoldWithCommit makes blob id (a file share's node) one of commit seq's
// tree blobs: kept and renewed while that commit is kept, deleted with it.
func (f *FS) HoldWithCommit(seq uint64, id blobid.ID) error {
	if f.opt.Tree == nil {
		return ErrNoTree
	}
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	st, err := f.loadTreeState()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(st.Commits, func(c TreeCommit) bool { return c.Seq == seq })
	if i < 0 {
		return fmt.Errorf("commit %d is not kept", seq)
	}
	if !slices.Contains(st.Commits[i].TreeBlobs, id) {
		st.Commits[i].TreeBlobs = append(st.Commits[i].TreeBlobs, id)
		sortIDs(st.Commits[i].TreeBlobs)
	}
	if err := f.saveTreeState(st); err != nil {
		return err
	}
	held := heldBlobs(st)
	f.treeHeld.Store(&held)
	return nil
}

func (f *FS) saveTreeState(st *treeState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(f.opt.Tree.StatePath, b, &atomicfile.Options{Perm: 0o600}); err != nil {
		return fmt.Errorf("tree state: %w", err)
	}
	return nil
}

// Snapshots returns the kept commits, oldest first.
func (f *FS) Snapshots() ([]TreeCommit, Retention, error) {
	if f.opt.Tree == nil {
		return nil, Retention{}, ErrNoTree
	}
	st, err := f.loadTreeState()
	if err != nil {
		return nil, Retention{}, err
	}
	return st.Commits, f.retention(), nil
}

func (f *FS) retention() Retention {
	if r := f.opt.Tree.Retention; r != nil {
		return *r
	}
	return DefaultRetention
}

// prune drops the commits the policy no longer keeps from st and returns
// the tree blobs (records, nodes) that no kept commit needs any more: they
// are not in the index, so the caller deletes them. (Data blobs are the
// collector's: no longer held, they go after their grace.)
func (f *FS) prune(st *treeState, now time.Time) []blobid.ID {
	keep := f.retention().keep(st.Commits, now)
	var kept, dropped []TreeCommit
	for i, c := range st.Commits {
		if keep[i] {
			kept = append(kept, c)
		} else {
			dropped = append(dropped, c)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	st.Commits = kept
	held := heldBlobs(st)
	var gone []blobid.ID
	seen := map[blobid.ID]bool{}
	for _, c := range dropped {
		for _, id := range append([]blobid.ID{c.Loc.Blob}, c.TreeBlobs...) {
			if !held[id] && !seen[id] && !id.IsZero() {
				seen[id] = true
				gone = append(gone, id)
			}
		}
	}
	return gone
}

// deleteTreeBlobs deletes tree blobs no kept commit needs (prune).
func (f *FS) deleteTreeBlobs(ctx context.Context, ids []blobid.ID) {
	del := f.store.Delete
	if f.forget != nil {
		del = f.forget.Forget
	}
	// A pack that carried a commit is the index's: its files may live on,
	// and once they are gone the collector deletes it after its grace.
	dead, err := f.idx.ExpiredBlobs(ctx, 0)
	if err != nil {
		f.log.Warn("deleting the blobs of snapshots no longer kept", "err", err)
		return
	}
	for _, id := range ids {
		if n, err := f.idx.BlobRefs(ctx, id); err != nil || n > 0 || slices.Contains(dead, id) {
			continue
		}
		if err := del(ctx, id); err != nil && !errors.Is(err, blobstore.ErrNotFound) {
			f.log.Warn("deleting a blob of a snapshot no longer kept", "blob", id.String(), "err", err)
			continue
		}
		if f.cache != nil {
			f.cache.Invalidate(id)
		}
	}
}

// CommitTree writes a commit of the tree as it is now, after waiting for
// the uploads (Sync). If nothing changed since the last commit it returns
// that one and writes nothing.
func (f *FS) CommitTree(ctx context.Context) (TreeCommit, error) {
	if f.opt.Tree == nil || f.opt.Crypt == nil {
		return TreeCommit{}, ErrNoTree
	}
	f.commitWanted.Add(1)
	defer f.commitWanted.Add(-1)
	for attempt := 0; ; attempt++ {
		// Not under treeMu: the last pack that Sync stores may carry
		// the commit itself (rideCommit).
		if err := f.Sync(ctx); err != nil {
			return TreeCommit{}, err
		}
		f.treeMu.Lock()
		c, err := f.commitTree(ctx)
		f.treeMu.Unlock()
		if errors.Is(err, treebuild.ErrPending) && attempt < 10 {
			continue // written to meanwhile: upload that too
		}
		return c, err
	}
}

// pendingCommit is a commit built and sealed, not stored yet.
type pendingCommit struct {
	st     *treeState
	res    *treebuild.Result
	c      tree.Commit
	sealed []byte
	now    time.Time
	base   uint64 // where the nodes start in the blob
}

// tail is what goes into the blob: the new nodes, then the record.
func (pc *pendingCommit) tail() []byte { return append(slices.Clip(pc.res.Blob), pc.sealed...) }

// recordLoc is where the commit record is in the blob (blob ID unset).
func (pc *pendingCommit) recordLoc() tree.Loc {
	return tree.Loc{Off: pc.base + uint64(len(pc.res.Blob)), Len: uint64(len(pc.sealed))}
}

// attrs are the blob's attributes (TreeOptions.Label), nil if none.
func (f *FS) commitAttrs(pc *pendingCommit) map[string]string {
	if f.opt.Tree.Label == nil {
		return nil
	}
	if a, ok := blobstore.As[blobstore.Attributer](f.store); !ok || !a.CanAttribute() {
		return nil
	}
	l := pc.recordLoc()
	return f.opt.Tree.Label(pc.c, pc.base, l.Off, l.Len)
}

// prepareCommit builds a commit of the index as it is, its nodes to be
// written at offset base of a blob, with pending (small files not stored
// yet, going into that same blob) as in treebuild.Options.Pending. It
// returns nil and the last commit if nothing changed since. Call with
// treeMu and gcMu (read) held.
func (f *FS) prepareCommit(ctx context.Context, pending map[uint64]treebuild.PendingFile, base uint64) (*pendingCommit, TreeCommit, error) {
	to := f.opt.Tree
	st, err := f.loadTreeState()
	if err != nil {
		return nil, TreeCommit{}, err
	}
	prev := make(map[uint64]treebuild.DirState, len(st.Dirs))
	for ino, d := range st.Dirs {
		k, err := f.opt.Crypt.ChunkKey(d.Key)
		if err != nil {
			return nil, TreeCommit{}, fmt.Errorf("tree state: directory %d: %w", ino, err)
		}
		prev[ino] = treebuild.DirState{Key: k, Digest: d.Digest, Loc: d.Loc}
	}
	var res *treebuild.Result
	err = f.idx.View(ctx, func(v index.View) error {
		var err error
		res, err = treebuild.Build(v, treebuild.Options{Keys: to.Keys, Opener: f.opt.Crypt, Prev: prev, Pending: pending, Base: base})
		return err
	})
	if err != nil {
		return nil, TreeCommit{}, err
	}
	var last *TreeCommit
	if n := len(st.Commits); n > 0 {
		last = &st.Commits[n-1]
	}
	top, err := rootDigest(res)
	if err != nil {
		return nil, TreeCommit{}, err
	}
	if last != nil && res.Written == 0 && top == st.Top {
		return nil, *last, nil
	}
	now := f.clock().UTC().Round(0) // as stored: no monotonic reading
	c := tree.Commit{Volume: to.Volume, Seq: 1, Time: now.UnixNano(), Root: res.Root, RootAttr: res.RootAttr, Files: res.Files, Bytes: res.Bytes}
	if last != nil {
		c.Seq = last.Seq + 1
		p := last.Loc
		c.Parent = &p
	}
	if to.Check != nil {
		head, err := to.Check(ctx, c.Seq)
		if err != nil {
			return nil, TreeCommit{}, err
		}
		if head != nil && head.Seq >= c.Seq {
			f.log.Warn("building on a commit this data directory made but did not record", "seq", head.Seq)
			c.Seq = head.Seq + 1
			p := head.Loc
			c.Parent = &p
		}
	}
	sealed, err := tree.SealCommit(to.Keys.Commit, c)
	if err != nil {
		return nil, TreeCommit{}, err
	}
	return &pendingCommit{st: st, res: res, c: c, sealed: sealed, now: now, base: base}, TreeCommit{}, nil
}

func (f *FS) commitTree(ctx context.Context) (TreeCommit, error) {
	// Blobs the tree names must not be deleted under it.
	f.gcMu.RLock()
	defer f.gcMu.RUnlock()
	pc, last, err := f.prepareCommit(ctx, nil, 0)
	if err != nil || pc == nil {
		return last, err
	}
	blob := pc.tail()
	var info blobstore.Info
	if attrs := f.commitAttrs(pc); attrs != nil {
		a, _ := blobstore.As[blobstore.Attributer](f.store)
		info, err = a.PutAttributed(ctx, blob, attrs)
	} else {
		info, err = f.store.Put(ctx, blob)
	}
	if err != nil {
		return TreeCommit{}, fmt.Errorf("storing the tree: %w", err)
	}
	f.sizes.put(info.ID, int64(len(blob)))
	return f.finishCommit(ctx, pc, info.ID)
}

// finishCommit records a commit stored in blob id.
func (f *FS) finishCommit(ctx context.Context, pc *pendingCommit, id blobid.ID) (TreeCommit, error) {
	st, res := pc.st, pc.res
	if err := res.Resolve(id); err != nil {
		return TreeCommit{}, err
	}
	var err error
	if st.Top, err = rootDigest(res); err != nil {
		return TreeCommit{}, err
	}
	loc := pc.recordLoc()
	loc.Blob = id
	tc := TreeCommit{Seq: pc.c.Seq, Loc: loc, Time: pc.now, Files: res.Files, Bytes: res.Bytes, Nodes: res.Written}
	treeSet := map[blobid.ID]bool{id: true}
	for _, d := range res.Dirs {
		treeSet[d.Loc.Blob] = true
	}
	for id := range treeSet {
		tc.TreeBlobs = append(tc.TreeBlobs, id)
	}
	for id := range res.Blobs {
		if !treeSet[id] {
			tc.DataBlobs = append(tc.DataBlobs, id)
		}
	}
	sortIDs(tc.TreeBlobs)
	sortIDs(tc.DataBlobs)
	st.Commits = append(st.Commits, tc)
	st.Dirs = make(map[uint64]dirRecord, len(res.Dirs))
	for ino, d := range res.Dirs {
		wk, err := f.opt.Crypt.WrapChunkKey(d.Key)
		if err != nil {
			return TreeCommit{}, err
		}
		st.Dirs[ino] = dirRecord{Key: wk, Digest: d.Digest, Loc: d.Loc}
	}
	gone := f.prune(st, pc.now) // after st.Dirs: the new nodes, not the old
	if err := f.saveTreeState(st); err != nil {
		return TreeCommit{}, err
	}
	held := heldBlobs(st)
	f.treeHeld.Store(&held)
	if len(gone) > 0 {
		f.deleteTreeBlobs(ctx, gone)
		f.log.Info("snapshots no longer kept: their tree blobs deleted", "blobs", len(gone), "kept", len(st.Commits))
	}
	f.log.Info("tree committed", "seq", tc.Seq, "blob", id.String(), "nodes", res.Written, "files", res.Files, "in_pack", pc.base > 0)
	return tc, nil
}

// rootDigest is the digest of what a commit record says besides its
// sequence, time and parent: the root node's location and the root's
// attributes.
func rootDigest(res *treebuild.Result) ([32]byte, error) {
	b, err := json.Marshal(struct {
		Root tree.Loc
		Attr tree.DirAttr
	}{res.Root, res.RootAttr})
	return sha256.Sum256(b), err
}

func sortIDs(ids []blobid.ID) {
	slices.SortFunc(ids, func(a, b blobid.ID) int { return bytes.Compare(a[:], b[:]) })
}
