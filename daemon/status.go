package daemon

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

// controlled is the daemon as the control socket sees it (control.Daemon).
type controlled struct {
	*vfs.FS // Sync, Import
	cfg     DaemonConfig
	cache   *cache.Cache
	ds      *daemonStore
	unmount func()
	// encryption describes the mount's encryption (control.Status).
	encryption string
	volume     *volumeKey // nil: plaintext
	commits    *committer // nil: no tree on the network
}

// Sync waits for the uploads and, on a mount that writes its tree to the
// network, for the commit that covers them.
func (d *controlled) Sync(ctx context.Context) error {
	if d.commits == nil {
		return d.FS.Sync(ctx)
	}
	_, err := d.commits.commit(ctx, "sync")
	return err
}

// Status returns the queue, failure and blob figures of the index, the
// cache's and the back end's figures and the daemon's own.
func (d *controlled) Status(ctx context.Context) (control.Status, error) {
	s, err := indexStatus(ctx, d.Index())
	if err != nil {
		return control.Status{}, err
	}
	if d.cache != nil {
		cs := d.cache.Stats()
		s.Cache, s.CacheBytes = &cs, cs.Bytes
	}
	s.PID, s.Mountpoint, s.DataDir, s.CacheMax = os.Getpid(), d.cfg.Mountpoint, d.cfg.DataDir, d.cfg.CacheSize
	if s.CacheMax == 0 {
		s.CacheMax = cache.DefaultMaxBytes
	}
	s.Store = d.ds.describe
	s.Encryption = d.encryption
	if d.encryption == "off" {
		s.EncryptionWarning = plaintextWarning(d.cfg)
	}
	if d.commits != nil {
		s.Tree = d.treeStatus()
	}
	if s.EncodedBytes, err = d.ds.encodedBytes(ctx, d.Index()); err != nil {
		return control.Status{}, err
	}
	if d.ds.epochs != nil {
		s.Expiry = d.ds.epochs.status(ctx)
	}
	if d.ds.renew != nil {
		if s.Walrus, err = d.ds.renew.status(ctx); err != nil {
			return control.Status{}, err
		}
	}
	return s, nil
}

// Renew runs a renewal pass (a mount with a wallet).
func (d *controlled) Renew(ctx context.Context) (control.RenewResult, error) {
	if d.ds.renew == nil {
		return control.RenewResult{}, fmt.Errorf("this mount has no wallet: renewing blobs needs --config or --context (a Walrus client configuration)")
	}
	return d.ds.renew.pass(ctx)
}

// Repack runs a repacking pass (vfs.FS.Repack).
func (d *controlled) Repack(ctx context.Context, threshold float64) (control.RepackResult, error) {
	r, err := d.FS.Repack(ctx, threshold)
	if err == nil && len(r.Repacked) > 0 && d.commits != nil {
		// The last commit still names the old packs: a new one lets
		// them go (unless a kept snapshot holds them).
		if _, cerr := d.commits.commit(ctx, "repack"); cerr != nil {
			d.FS.Logger().Warn("tree commit after repacking", "err", cerr)
		}
	}
	res := control.RepackResult{Repacked: []string{}, New: []string{}, CopiedBytes: r.Copied, FreedBytes: r.Freed, Moved: r.Moved, Skipped: r.Skipped}
	for _, id := range r.Repacked {
		res.Repacked = append(res.Repacked, id.String())
	}
	for _, id := range r.New {
		res.New = append(res.New, id.String())
	}
	return res, err
}

// Commit writes the tree to the network.
func (d *controlled) Commit(ctx context.Context) (control.CommitResult, error) {
	if d.commits == nil {
		return control.CommitResult{}, vfs.ErrNoTree
	}
	c, err := d.commits.commit(ctx, "command")
	if err != nil {
		return control.CommitResult{}, err
	}
	return control.CommitResult{Seq: c.Seq, BlobID: c.Loc.Blob.String(), Offset: c.Loc.Off, Length: c.Loc.Len,
		Time: c.Time, Files: c.Files, Bytes: c.Bytes, Nodes: c.Nodes}, nil
}

// Snapshots lists the kept commits of the tree.
func (d *controlled) Snapshots(ctx context.Context) (control.SnapshotList, error) {
	cs, ret, err := d.FS.Snapshots()
	if err != nil {
		return control.SnapshotList{}, err
	}
	res := control.SnapshotList{Retention: ret.String(), Snapshots: []control.Snapshot{}}
	for _, c := range cs {
		res.Snapshots = append(res.Snapshots, control.Snapshot{Seq: c.Seq, Time: c.Time, Files: c.Files, Bytes: c.Bytes, BlobID: c.Loc.Blob.String()})
	}
	return res, nil
}

// Recovery returns the recovery string of the last commit.
func (d *controlled) Recovery(ctx context.Context) (string, error) {
	if d.volume == nil {
		return "", vfs.ErrNoTree
	}
	c, ok, err := d.FS.LastTreeCommit()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no commit of the tree yet: run walrusfs commit first")
	}
	r := tree.Recovery{Volume: d.volume.id, Network: networkName(d.cfg), Commit: c.Loc, Master: d.volume.master}
	return r.Encode()
}

// networkName names the mount's network in recovery strings (at most 16
// bytes).
func networkName(cfg DaemonConfig) string {
	name := "embedded"
	if cfg.Walrus != nil {
		name = cmp.Or(cfg.Walrus.Network, "walrus")
	}
	if len(name) > 16 {
		name = name[:16]
	}
	return name
}

// Unmount asks RunDaemon to unmount and return.
func (d *controlled) Unmount() { d.unmount() }

// indexStatus returns the queue, failure and blob figures of the index.
func indexStatus(ctx context.Context, idx *index.Index) (control.Status, error) {
	st, err := idx.Stats(ctx)
	if err != nil {
		return control.Status{}, err
	}
	s := control.Status{Files: st.Inodes, Bytes: st.Bytes, PendingFiles: st.PendingFiles, PendingBytes: st.PendingBytes,
		Uploading: st.Uploading, Orphans: st.Orphans, Blobs: st.Blobs, DeadBlobs: st.DeadBlobs, Failures: []control.StatusFailure{}}
	var paths map[uint64]string
	if len(st.Failures) > 0 {
		inos := make([]uint64, len(st.Failures))
		for i, fl := range st.Failures {
			inos[i] = fl.Ino
		}
		if paths, err = idx.Paths(ctx, inos); err != nil {
			return control.Status{}, err
		}
	}
	for _, fl := range st.Failures {
		s.Failures = append(s.Failures, control.StatusFailure{Ino: fl.Ino, Path: paths[fl.Ino], Time: fl.Time, Error: fl.Error})
	}
	return s, nil
}

// encodedBytes sums the encoded lengths of the blobs the index uses:
// from the Walrus store's record when it has one, else from the blob's
// size read from the network.
func (ds *daemonStore) encodedBytes(ctx context.Context, idx *index.Index) (uint64, error) {
	ids, err := idx.ReferencedBlobs(ctx)
	if err != nil {
		return 0, err
	}
	p, err := rs2.NewParams(ds.nShards)
	if err != nil {
		return 0, err
	}
	ws, _ := ds.store.(*walrus.Store)
	var total uint64
	for _, id := range ids {
		if ws != nil {
			if r, ok := ws.Record(id); ok && r.EncodedLength > 0 {
				total += r.EncodedLength
				continue
			}
		}
		in, err := ds.store.Stat(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("encoded size of blob %s: %w", id, err)
		}
		n, err := p.EncodedLength(in.Size)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Expiring lists the files whose blobs end within within epochs of the
// current epoch (or have ended), earliest first.
func (d *controlled) Expiring(ctx context.Context, within uint32) ([]control.ExpiringFile, error) {
	ws, ok := d.ds.store.(*walrus.Store)
	if !ok || d.ds.epochs == nil {
		return nil, fmt.Errorf("this mount's blobs do not expire (the embedded network keeps them)")
	}
	var epoch uint32
	switch {
	case d.ds.renew != nil:
		st, err := d.ds.renew.direct.Sui.ReadState(ctx)
		if err != nil {
			return nil, err
		}
		epoch = st.Epoch
	default:
		e := d.ds.epochs.status(ctx)
		if e.Epoch == 0 {
			return nil, fmt.Errorf("the current epoch is not known yet (%s)", cmp.Or(e.EpochError, "Sui not read yet, or no Sui network for this deployment"))
		}
		epoch = e.Epoch
	}
	ids, err := d.Index().ReferencedBlobs(ctx)
	if err != nil {
		return nil, err
	}
	end := map[blobid.ID]uint32{}
	for _, id := range ids {
		if r, ok := ws.Record(id); ok && r.EndEpoch <= epoch+within {
			end[id] = r.EndEpoch
		}
	}
	soon := map[blobid.ID]bool{}
	for id := range end {
		soon[id] = true
	}
	users, err := d.Index().BlobUsers(ctx, soon)
	if err != nil {
		return nil, err
	}
	first := map[uint64]uint32{}
	for id, inos := range users {
		for _, ino := range inos {
			if e, ok := first[ino]; !ok || end[id] < e {
				first[ino] = end[id]
			}
		}
	}
	inos := make([]uint64, 0, len(first))
	for ino := range first {
		inos = append(inos, ino)
	}
	paths, err := d.Index().Paths(ctx, inos)
	if err != nil {
		return nil, err
	}
	out := make([]control.ExpiringFile, 0, len(first))
	for ino, e := range first {
		p := paths[ino]
		if p == "" {
			p = fmt.Sprintf("inode %d", ino)
		}
		out = append(out, control.ExpiringFile{Path: p, EndEpoch: e})
	}
	slices.SortFunc(out, func(a, b control.ExpiringFile) int {
		return cmp.Or(cmp.Compare(a.EndEpoch, b.EndEpoch), strings.Compare(a.Path, b.Path))
	})
	return out, nil
}

// treeStatus describes the tree on the network.
func (d *controlled) treeStatus() *control.TreeStatus {
	ts := &control.TreeStatus{Uncommitted: d.commits.pending()}
	cs, ret, err := d.FS.Snapshots()
	if err != nil {
		ts.Warning = err.Error()
		return ts
	}
	ts.Snapshots, ts.Retention = len(cs), ret.String()
	if n := len(cs); n > 0 {
		ts.LastSeq, ts.LastTime = cs[n-1].Seq, cs[n-1].Time
	}
	ts.Warning = d.commits.warning()
	return ts
}
