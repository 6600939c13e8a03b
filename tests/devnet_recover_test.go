package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/control"
	wfsdaemon "github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/sui"
)

// metaOf describes what a recovery must keep of every path besides the
// bytes: type, mode, owner, link count, mtime, symlink target, xattrs.
func metaOf(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		s := fmt.Sprintf("mode=%o uid=%d gid=%d nlink=%d mtime=%d.%09d", st.Mode, st.Uid, st.Gid, st.Nlink, st.Mtim.Sec, st.Mtim.Nsec)
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			s += " -> " + target
		} else if d.Type().IsRegular() || d.IsDir() {
			v := make([]byte, 64)
			if n, err := syscall.Getxattr(p, "user.color", v); err == nil {
				s += " user.color=" + string(v[:n])
			}
		}
		out[rel] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDevnetLostLaptop: a tree with files (a 100 MB one, 2000 small ones),
// directories, a symlink, a hard link, xattrs, modes and a FIFO is written
// with a wallet, committed, and
// its data directory deleted; walrusfs recover with the recovery string
// and the wallet's configuration rebuilds a data directory whose mount
// shows the same paths, types, modes, times, xattrs and bytes (read from
// the storage nodes).
func TestDevnetLostLaptop(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	conf := devnet.ClientConfig(dn.Dir)
	d := mount(t, data, mnt, "--config", conf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(mnt, "photos", "2026"), 0o750))
	for i := range 20 {
		writeRandomFile(t, filepath.Join(mnt, "photos", "2026", fmt.Sprintf("img%02d.jpg", i)), int64(10_000+i*777), uint64(i))
	}
	writeRandomFile(t, filepath.Join(mnt, "video.mov"), 100<<20, 99)
	must(os.Mkdir(filepath.Join(mnt, "notes"), 0o755))
	for i := range 2000 {
		writeRandomFile(t, filepath.Join(mnt, "notes", fmt.Sprintf("n%04d.txt", i)), int64(100+i%1500), uint64(1000+i))
	}
	must(os.Chmod(filepath.Join(mnt, "video.mov"), 0o600))
	must(os.Symlink("photos/2026/img00.jpg", filepath.Join(mnt, "cover.jpg")))
	must(os.Link(filepath.Join(mnt, "photos", "2026", "img01.jpg"), filepath.Join(mnt, "favourite.jpg")))
	must(syscall.Setxattr(filepath.Join(mnt, "video.mov"), "user.color", []byte("red"), 0))
	must(syscall.Setxattr(filepath.Join(mnt, "photos"), "user.color", []byte("blue"), 0))
	must(syscall.Mkfifo(filepath.Join(mnt, "pipe"), 0o640))
	walrusfs(t, "sync", "--data-dir", data)
	out := walrusfs(t, "commit", "--data-dir", data)
	if !strings.HasPrefix(out, "commit 1 ") {
		t.Fatalf("commit: %s", out)
	}
	rec, err := exec.Command(binary, "recovery-string", "--data-dir", data).Output()
	if err != nil || !strings.HasPrefix(string(rec), "wfsr1-") {
		t.Fatalf("recovery-string: %v %q", err, rec)
	}
	if rec2, err := exec.Command(binary, "status", "--recovery-string", "--data-dir", data).Output(); err != nil || string(rec2) != string(rec) {
		t.Fatalf("status --recovery-string: %v, differs from recovery-string", err)
	}
	if st := status(t, data); st.Tree == nil || st.Tree.LastSeq != 1 || st.Tree.Snapshots != 1 || st.Tree.Uncommitted || st.Tree.Warning != "" {
		t.Fatalf("status tree: %+v", st.Tree)
	}
	wantSums, wantMeta := treeSums(t, mnt), metaOf(t, mnt)
	d.stop()
	must(os.RemoveAll(data)) // the laptop is gone

	data2 := filepath.Join(base, "new-data")
	recFile := filepath.Join(base, "recovery.txt")
	must(os.WriteFile(recFile, rec, 0o600))
	// The recovery string alone: read through the devnet's aggregator,
	// no wallet.
	out = walrusfs(t, "recover", "--recovery-file", recFile, "--data-dir", data2, "--aggregator", "http://"+dn.Layout.Aggregator)
	if !strings.Contains(out, "recovered commit ") {
		t.Fatalf("recover: %s", out)
	}
	if out := walrusfs(t, "key", "status", "--data-dir", data2); !strings.Contains(out, "keyfile") {
		t.Fatalf("a volume recovered without a wallet or passphrase is not unlocked by a key file: %s", out)
	}
	d2 := mount(t, data2, mnt, "--config", conf)
	compareTrees(t, wantSums, treeSums(t, mnt))
	checkMeta := func(gotMeta map[string]string) {
		t.Helper()
		for p, w := range wantMeta {
			if p == "." {
				continue
			}
			if gotMeta[p] != w {
				t.Errorf("%s:\n recovered %s\n want      %s", p, gotMeta[p], w)
			}
		}
	}
	checkMeta(metaOf(t, mnt))

	// The wallet alone finds the latest commit and the volume key on the
	// chain, but not while a mount of the volume holds the lease.
	c := suiClient(t, dn)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		cs, err := wfsdaemon.ChainCommits(context.Background(), c, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		if l := wfsdaemon.LatestCommits(cs); len(l) == 1 && l[0].LeaseHeld(time.Now()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lease on the chain from the running mount: %+v\n%s", cs, d2.log)
		}
	}
	data3 := filepath.Join(base, "data3")
	if out, err := exec.Command(binary, "recover", "--data-dir", data3, "--config", conf).CombinedOutput(); err == nil || !strings.Contains(string(out), "is in use") {
		t.Fatalf("recover while the volume is mounted elsewhere: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data3, "index.db")); err == nil {
		t.Fatal("a refused recovery left an index behind")
	}
	d2.stop() // a clean unmount releases the lease
	out = walrusfs(t, "recover", "--data-dir", data3, "--config", conf)
	if !strings.Contains(out, "recovered commit ") {
		t.Fatalf("recover with the wallet alone: %s", out)
	}
	mount(t, data3, mnt) // the recovered data directory remembers its back end
	compareTrees(t, wantSums, treeSums(t, mnt))
	checkMeta(metaOf(t, mnt))

	// Renewal goes on from the recovered data directory: the blobs it
	// knows from the tree are found among the wallet's and extended.
	if _, err := dn.Chain.AdvanceEpoch(3); err != nil {
		t.Fatal(err)
	}
	var res control.RenewResult
	if err := json.Unmarshal([]byte(walrusfs(t, "renew", "--data-dir", data3, "--json")), &res); err != nil {
		t.Fatal(err)
	}
	// Exactly the wallet's blobs are extended: every data blob, and the
	// commit blobs the retention keeps (none has been dropped yet).
	owned, err := c.OwnedBlobs(context.Background(), dn.Layout.Address)
	if err != nil {
		t.Fatal(err)
	}
	renewed := map[string]bool{}
	for _, r := range res.Renewed {
		if r.NewEnd <= r.OldEnd || renewed[r.BlobID] {
			t.Fatalf("renewal after recovery: %+v", r)
		}
		renewed[r.BlobID] = true
	}
	for _, b := range owned {
		if !renewed[b.BlobID.String()] {
			t.Errorf("blob %s (object %s) not renewed after recovery", b.BlobID, b.ObjectID)
		}
	}
	if len(res.Lost) != 0 || len(renewed) != len(owned) {
		t.Fatalf("renewal after recovery: %+v; %d blobs owned", res, len(owned))
	}
	// A second recovery into the same directory is refused.
	if out, err := exec.Command(binary, "recover", "--recovery-file", recFile, "--data-dir", data2, "--config", conf).CombinedOutput(); err == nil {
		t.Fatalf("recover over an existing data directory: %s", out)
	}
	// A damaged string fails clearly.
	bad := []byte(strings.TrimSpace(string(rec)))
	if bad[20] == 'A' { // another character of the alphabet: only the checksum can tell
		bad[20] = 'B'
	} else {
		bad[20] = 'A'
	}
	if out, err := exec.Command(binary, "recover", "--recovery", string(bad), "--data-dir", filepath.Join(base, "x"), "--config", conf).CombinedOutput(); err == nil || !strings.Contains(string(out), "checksum") {
		t.Fatalf("damaged recovery string: %v %s", err, out)
	}
}

// TestDevnetCrashBeforeCommit: files stored on Walrus after the last
// commit, then a crash before the next commit: recovering from the wallet
// gives the last commit (refused first: the crashed mount's lease is
// fresh), whose every file reads back; the files of the lost commit are
// simply not there, and nothing names a missing blob.
func TestDevnetCrashBeforeCommit(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	conf := devnet.ClientConfig(dn.Dir)
	d := mount(t, data, mnt, "--config", conf, "--commit-after", "0")
	for _, dir := range []string{"first", "second"} {
		if err := os.Mkdir(filepath.Join(mnt, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		writeRandomFile(t, filepath.Join(mnt, "first", fmt.Sprintf("f%d.bin", i)), int64(30_000+i), uint64(i))
	}
	writeRandomFile(t, filepath.Join(mnt, "first", "big.bin"), 3<<20, 10)
	walrusfs(t, "sync", "--data-dir", data)
	want := treeSums(t, mnt)
	// More files, stored on Walrus, not committed.
	writeRandomFile(t, filepath.Join(mnt, "second", "late.bin"), 2<<20, 20)
	writeRandomFile(t, filepath.Join(mnt, "first", "f0.bin"), 1234, 21) // overwritten
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if st := status(t, data); st.PendingFiles == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("uploads not done after a minute\n%s", d.log)
		}
	}
	d.kill()

	data2 := filepath.Join(base, "data2")
	out, err := exec.Command(binary, "recover", "--data-dir", data2, "--config", conf).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is in use") {
		t.Fatalf("recover while the crashed mount's lease is fresh: %v %s", err, out)
	}
	out2 := walrusfs(t, "recover", "--data-dir", data2, "--config", conf, "--force")
	if !strings.Contains(out2, "recovered commit 1 ") {
		t.Fatalf("recover --force: %s", out2)
	}
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data2, mnt, "--config", conf)
	compareTrees(t, want, treeSums(t, mnt))
}

// TestDevnetRetention: with --keep latest, each commit drops the one
// before: its commit blob is deleted on Sui, the blob of a file deleted
// since goes after the grace, and renewal pays only for what the latest
// commit names.
func TestDevnetRetention(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	c := suiClient(t, dn)
	ctx := context.Background()
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	conf := devnet.ClientConfig(dn.Dir)
	d := mount(t, data, mnt, "--config", conf, "--keep", "latest", "--gc-grace", "1s", "--commit-after", "0")
	commits := func() []wfsdaemon.ChainCommit {
		t.Helper()
		cs, err := wfsdaemon.ChainCommits(ctx, c, dn.Layout.Address)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	writeRandomFile(t, filepath.Join(mnt, "keep.bin"), 3<<20, 1)
	walrusfs(t, "sync", "--data-dir", data)
	first, err := ownedDataBlobs(ctx, c, dn.Layout.Address)
	if err != nil || len(first) != 1 {
		t.Fatalf("data blobs after the first commit: %v %v", first, err)
	}
	writeRandomFile(t, filepath.Join(mnt, "old.bin"), 2<<20, 2)
	walrusfs(t, "sync", "--data-dir", data)
	if cs := commits(); len(cs) != 1 || cs[0].Seq != 2 {
		t.Fatalf("commits on the chain after the second: %+v (the first should be deleted)", cs)
	}
	if err := os.Remove(filepath.Join(mnt, "old.bin")); err != nil {
		t.Fatal(err)
	}
	walrusfs(t, "sync", "--data-dir", data)
	if cs := commits(); len(cs) != 1 || cs[0].Seq != 3 {
		t.Fatalf("commits on the chain after the third: %+v", cs)
	}
	if out := walrusfs(t, "snapshots", "--data-dir", data); !strings.HasPrefix(out, "# retention latest\n3 ") {
		t.Fatalf("snapshots: %q", out)
	}
	// old.bin's blob is named by no kept commit any more: deleted.
	waitOwned(t, c, dn, d, "the deleted file's blob", func(blobs []sui.Blob, _ []sui.Storage) bool {
		return len(blobs) == 1 && blobs[0].BlobID == first[0].BlobID
	})
	if _, err := dn.Chain.AdvanceEpoch(3); err != nil {
		t.Fatal(err)
	}
	var res control.RenewResult
	if err := json.Unmarshal([]byte(walrusfs(t, "renew", "--data-dir", data, "--json")), &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{first[0].BlobID.String(): true, commits()[0].Loc.Blob.String(): true}
	if len(res.Renewed) != len(want) {
		t.Fatalf("renewed %+v, want exactly the kept file's blob and the latest commit's", res.Renewed)
	}
	for _, r := range res.Renewed {
		if !want[r.BlobID] {
			t.Fatalf("renewal paid for %s, which no kept commit names", r.BlobID)
		}
	}
}
