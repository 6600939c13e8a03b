package index

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crash abandons x as a killed daemon would: the open transaction is never
// committed, the checkpoint loop stops, the files are closed.
func (x *Index) crash() {
	close(x.stop)
	<-x.done
	x.mu.Lock()
	defer x.mu.Unlock()
	_ = x.tx.Rollback()
	x.tx = nil
	_ = x.jr.close()
	_ = x.db.Close()
}

// dumpAll prints every key, value and sequence of every bucket, except the
// journal generation.
func dumpAll(t *testing.T, x *Index) string {
	t.Helper()
	var b strings.Builder
	err := x.view(t.Context(), func(tn *txn) error {
		for _, name := range allBuckets {
			bk := tn.bucket(name)
			fmt.Fprintf(&b, "[%s] seq=%d\n", name, bk.Sequence())
			if err := bk.ForEach(func(k, v []byte) error {
				if !bytes.Equal(name, bucketMeta) || !bytes.Equal(k, metaJournal) {
					fmt.Fprintf(&b, "  %x = %x\n", k, v)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// busy runs a mix of every kind of operation and returns a file inode.
func busy(t *testing.T, x *Index, tag string) uint64 {
	t.Helper()
	ctx := t.Context()
	d := mk(t, x, RootIno, "d"+tag, TypeDir)
	f := mk(t, x, d.Ino, "f", TypeFile)
	g := mk(t, x, d.Ino, "g", TypeFile)
	mk(t, x, d.Ino, "l", TypeSymlink)
	stage(t, x, f.Ino, map[uint64]uint64{0: 64, 1: 3})
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 64}})
	if _, err := x.SetChunkStagedCopy(ctx, g.Ino, 0, []byte("small file "+tag)); err != nil {
		t.Fatal(err)
	}
	if err := x.SetXattr(ctx, f.Ino, "user.k", []byte("v"+tag), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Rename(ctx, d.Ino, "l", RootIno, "l"+tag, 0); err != nil {
		t.Fatal(err)
	}
	return f.Ino
}

func TestJournalReplayAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{ChunkSize: 64, Manual: true})
	busy(t, x, "1")
	if err := x.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A longer second generation, then a shorter third one: the third must
	// not pick up the second's leftover records past its end.
	for i := range 20 {
		busy(t, x, fmt.Sprintf("2.%d", i))
	}
	if err := x.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	busy(t, x, "3")
	want := dumpAll(t, x)
	x.crash()

	x = openAt(t, path, &Options{ChunkSize: 64, Manual: true})
	if got := dumpAll(t, x); got != want {
		t.Fatalf("after crash and replay:\n%s\nwant:\n%s", got, want)
	}
	// Replaying again (crash right after a replay) changes nothing either.
	x.crash()
	x = openAt(t, path, nil)
	if got := dumpAll(t, x); got != want {
		t.Fatalf("after second replay:\n%s\nwant:\n%s", got, want)
	}
	checkClose(t, x)
}

func TestJournalTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{ChunkSize: 64, Manual: true})
	busy(t, x, "1")
	want := dumpAll(t, x)
	off := x.jr.off
	mk(t, x, RootIno, "last", TypeFile)
	end := x.jr.off
	x.crash()

	// Each way the last record can be damaged by a power cut leaves exactly
	// the state before it.
	orig, err := os.ReadFile(JournalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	for name, damage := range map[string]func(b []byte){
		"torn":    func(b []byte) { clear(b[off+10 : end]) },
		"flipped": func(b []byte) { b[end-1] ^= 1 },
		"zeroed":  func(b []byte) { clear(b[off:end]) },
	} {
		b := bytes.Clone(orig)
		damage(b)
		if err := os.WriteFile(JournalPath(path), b, 0o600); err != nil {
			t.Fatal(err)
		}
		// Replay commits the prefix to bbolt; the next round replays the
		// same prefix onto it again, which must change nothing.
		x = openAt(t, path, nil)
		got := dumpAll(t, x)
		x.crash()
		if got != want {
			t.Errorf("%s last record: state\n%s\nwant\n%s", name, got, want)
		}
		// Replay bumped the generation, so put the journal's back.
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = db.Update(func(tx *bolt.Tx) error {
			m := tx.Bucket(bucketMeta)
			g, _ := getU64(m.Get(metaJournal))
			return m.Put(metaJournal, u64(g-1))
		})
		db.Close()
	}
}

func TestJournalFailedOperationUndone(t *testing.T) {
	x := TestIndexWith(t, &Options{Manual: true})
	ctx := t.Context()
	f := mk(t, x, RootIno, "f", TypeFile)
	before := dumpAll(t, x)
	seq := x.jr.seq
	boom := errors.New("boom")
	err := x.update(ctx, func(tn *txn) error {
		if _, err := tn.bucket(bucketInodes).NextSequence(); err != nil {
			return err
		}
		if err := tn.bucket(bucketXattrs).Put(pairKey(f.Ino, "user.x"), []byte("x")); err != nil {
			return err
		}
		if err := tn.bucket(bucketQueue).Put(inoKey(f.Ino), nil); err != nil {
			return err
		}
		if err := tn.bucket(bucketDirents).Delete(pairKey(RootIno, "f")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update = %v", err)
	}
	if after := dumpAll(t, x); after != before {
		t.Fatalf("after failed operation:\n%s\nwant\n%s", after, before)
	}
	if x.jr.seq != seq {
		t.Fatalf("failed operation journaled (%d records, want %d)", x.jr.seq, seq)
	}
	// Empty values (queue entries) are real keys: deleting one works.
	stage(t, x, f.Ino, map[uint64]uint64{0: 1})
	if err := x.update(ctx, func(tn *txn) error { return tn.bucket(bucketQueue).Delete(inoKey(f.Ino)) }); err != nil {
		t.Fatal(err)
	}
	if q, _ := x.UploadQueue(ctx); len(q) != 0 {
		t.Fatalf("queue after delete = %v", q)
	}
	_ = x.update(ctx, func(tn *txn) error { return tn.bucket(bucketQueue).Put(inoKey(f.Ino), nil) })
	if err := x.view(ctx, func(tn *txn) error { return tn.bucket(bucketQueue).Put(inoKey(1), nil) }); !errors.Is(err, errReadOnly) {
		t.Fatalf("write in view = %v", err)
	}
}

func TestStagedCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, &Options{ChunkSize: 64, Manual: true})
	ctx := t.Context()
	copies := func(x *Index) string {
		var b strings.Builder
		if err := x.view(ctx, func(tn *txn) error {
			return tn.bucket(bucketCopies).ForEach(func(k, data []byte) error {
				ino, idx, err := splitChunkKey(k)
				fmt.Fprintf(&b, "%d/%d=%s ", ino, idx, data)
				return err
			})
		}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	f := mk(t, x, RootIno, "f", TypeFile)
	g := mk(t, x, RootIno, "g", TypeFile)
	h := mk(t, x, RootIno, "h", TypeFile)
	for _, ino := range []uint64{f.Ino, g.Ino, h.Ino} {
		if _, err := x.SetChunkStagedCopy(ctx, ino, 0, []byte("hello")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.SetChunkStagedCopy(ctx, f.Ino, 0, []byte("hello, world")); err != nil {
		t.Fatal(err)
	}
	if a := attr(t, x, f.Ino); a.Size != 12 {
		t.Fatalf("size = %d", a.Size)
	}
	if _, err := x.SetChunkStagedCopy(ctx, f.Ino, 0, make([]byte, MaxStagedCopy+1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized copy = %v", err)
	}
	want := fmt.Sprintf("%d/0=hello, world %d/0=hello %d/0=hello ", f.Ino, g.Ino, h.Ino)
	if got := copies(x); got != want {
		t.Fatalf("copies = %q, want %q", got, want)
	}
	// Any other change of the chunk drops its copy: stored, restaged
	// without a copy, or the file deleted.
	upload(t, x, f.Ino, map[uint64]Extent{0: {Blob: blob(1), Length: 12}})
	stage(t, x, g.Ino, map[uint64]uint64{0: 5})
	if _, err := x.Unlink(ctx, RootIno, "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.DropOrphan(ctx, h.Ino); err != nil {
		t.Fatal(err)
	}
	if got := copies(x); got != "" {
		t.Fatalf("copies after changes = %q", got)
	}
	k := mk(t, x, RootIno, "k", TypeFile)
	if _, err := x.SetChunkStagedCopy(ctx, k.Ino, 0, []byte("kept, then cut")); err != nil {
		t.Fatal(err)
	}
	// Truncating keeps the bytes before the new end.
	if _, err := x.Truncate(ctx, k.Ino, 4); err != nil {
		t.Fatal(err)
	}
	x.crash()
	x = openAt(t, path, nil)
	if got, want := copies(x), fmt.Sprintf("%d/0=kept ", k.Ino); got != want {
		t.Fatalf("copies after crash = %q, want %q", got, want)
	}
	checkClose(t, x)
}

func TestMigrateSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x := openAt(t, path, nil)
	f := mk(t, x, RootIno, "f", TypeFile)
	if err := x.rawUpdate(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCopies); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaVersion, u64(1))
	}); err != nil {
		t.Fatal(err)
	}
	x.crash()
	x = openAt(t, path, nil)
	defer checkClose(t, x)
	if a := attr(t, x, f.Ino); a.Type != TypeFile {
		t.Fatalf("file after migration: %+v", a)
	}
	if _, err := x.SetChunkStagedCopy(t.Context(), f.Ino, 0, []byte("x")); err != nil {
		t.Fatal(err)
	}
}

// TestJournalSyncCounts checks that Sync does nothing when everything is
// durable and that a checkpoint makes everything durable.
func TestJournalSyncCounts(t *testing.T) {
	x := TestIndexWith(t, &Options{Manual: true})
	ctx := t.Context()
	mk(t, x, RootIno, "a", TypeFile)
	if x.durable.Load() >= x.written {
		t.Fatalf("durable %d before Sync, written %d", x.durable.Load(), x.written)
	}
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if x.durable.Load() != x.written {
		t.Fatalf("durable %d after Sync, written %d", x.durable.Load(), x.written)
	}
	mk(t, x, RootIno, "b", TypeFile)
	if err := x.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if x.durable.Load() != x.written || x.jr.off != 0 {
		t.Fatalf("after checkpoint: durable %d, written %d, journal offset %d", x.durable.Load(), x.written, x.jr.off)
	}
}

// TestBackgroundPolicy: the background loop checkpoints only once the
// index is quiet (or the last checkpoint is old, or the journal asks),
// never in the middle of a burst of operations, and syncs the journal of
// an operation that has been undurable for SyncInterval without
// checkpointing.
func TestBackgroundPolicy(t *testing.T) {
	const quiet, interval, syncEvery = 200 * time.Millisecond, 30 * time.Second, 500 * time.Millisecond
	x := TestIndexWith(t, &Options{Manual: true, CheckpointQuiet: quiet, CheckpointInterval: interval, SyncInterval: syncEvery})
	ctx := t.Context()
	due := func(now time.Time, kicked bool) (bool, bool) {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.manual = false
		defer func() { x.manual = true }()
		return x.due(now, kicked)
	}
	t0 := time.Now()
	if cp, sync := due(t0.Add(time.Hour), false); cp || sync {
		t.Fatalf("nothing journaled: checkpoint %v, sync %v", cp, sync)
	}
	mk(t, x, RootIno, "a", TypeFile)
	x.mu.Lock()
	last, since := x.lastOp, x.undurableSince
	x.lastCP = last.Add(-time.Second)
	x.mu.Unlock()
	if since.IsZero() || since.After(last) {
		t.Fatalf("undurableSince %v, lastOp %v", since, last)
	}
	for _, c := range []struct {
		at       time.Duration
		kicked   bool
		cp, sync bool
	}{
		{at: quiet / 2},                         // in a burst: nothing yet
		{at: quiet / 2, kicked: true, cp: true}, // the journal is full
		{at: quiet, cp: true},                   // quiet
	} {
		if cp, sync := due(last.Add(c.at), c.kicked); cp != c.cp || sync != c.sync {
			t.Errorf("at lastOp+%v kicked %v: checkpoint %v sync %v, want %v %v", c.at, c.kicked, cp, sync, c.cp, c.sync)
		}
	}
	// A burst that never pauses: no quiet checkpoint, but the journal is
	// synced once an operation has waited SyncInterval, and a checkpoint
	// comes at the latest CheckpointInterval after the last one.
	x.mu.Lock()
	x.lastOp = since.Add(syncEvery)
	x.mu.Unlock()
	if cp, sync := due(since.Add(syncEvery), false); cp || !sync {
		t.Errorf("burst at SyncInterval: checkpoint %v sync %v, want a sync only", cp, sync)
	}
	x.mu.Lock()
	x.lastOp = last.Add(interval)
	x.mu.Unlock()
	if cp, _ := due(last.Add(interval), false); !cp {
		t.Error("burst past CheckpointInterval: no checkpoint")
	}
	// Sync clears the undurable mark; Manual turns everything off.
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	cleared := x.undurableSince.IsZero()
	x.mu.Unlock()
	if !cleared {
		t.Error("Sync left the index marked undurable")
	}
	x.mu.Lock()
	cp, sync := x.due(last.Add(time.Hour), false)
	x.mu.Unlock()
	if cp || sync {
		t.Errorf("Manual: checkpoint %v sync %v", cp, sync)
	}
}

// TestBackgroundSyncAndCheckpoint: with the loop running, an operation
// becomes durable by a journal sync (no checkpoint while the quiet time
// has not passed), and a quiet index is checkpointed.
func TestBackgroundSyncAndCheckpoint(t *testing.T) {
	x := TestIndexWith(t, &Options{CheckpointQuiet: time.Hour, CheckpointInterval: time.Hour, SyncInterval: 10 * time.Millisecond})
	mk(t, x, RootIno, "a", TypeFile)
	deadline := time.Now().Add(time.Minute)
	for x.Undurable() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("not durable a minute after SyncInterval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	x.mu.Lock()
	seq := x.jr.seq
	x.mu.Unlock()
	if seq == 0 {
		t.Fatal("made durable by a checkpoint, not by a journal sync")
	}
	y := TestIndexWith(t, &Options{CheckpointQuiet: 10 * time.Millisecond, CheckpointInterval: time.Hour, SyncInterval: time.Hour})
	mk(t, y, RootIno, "a", TypeFile)
	for {
		y.mu.Lock()
		seq := y.jr.seq
		y.mu.Unlock()
		if seq == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a quiet index was not checkpointed within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
