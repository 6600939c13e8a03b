package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSnapshotEmbedded: on the embedded network a snapshot mount is
// refused while the data directory is mounted (its node stores cannot be
// opened twice) and the normal mount is refused while the snapshot is
// mounted; unmounted, commit 1 comes back read-only. A share of the
// embedded network mounts with the owner's --data-dir.
func TestSnapshotEmbedded(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(mnt, "docs"), 0o755))
	must(os.WriteFile(filepath.Join(mnt, "docs", "a.txt"), []byte("one"), 0o644))
	writeRandomFile(t, filepath.Join(mnt, "docs", "b.bin"), 2<<20, 3)
	walrusfs(t, "sync", "--data-dir", data)
	if out := walrusfs(t, "commit", "--data-dir", data); !strings.HasPrefix(out, "commit 1 ") {
		t.Fatalf("commit: %s", out)
	}
	first := treeSums(t, mnt)
	share := strings.TrimSpace(stdout(t, "share", filepath.Join(mnt, "docs")))
	must(os.WriteFile(filepath.Join(mnt, "docs", "a.txt"), []byte("two"), 0o644))
	must(os.Remove(filepath.Join(mnt, "docs", "b.bin")))
	walrusfs(t, "sync", "--data-dir", data)
	if out := walrusfs(t, "commit", "--data-dir", data); !strings.HasPrefix(out, "commit 2 ") {
		t.Fatalf("commit: %s", out)
	}
	snap := filepath.Join(base, "snap")
	mountROFails(t, snap, "unmount it first", "--snapshot", "1", "--data-dir", data)
	d.stop()

	s := mountRO(t, snap, "--snapshot", "1", "--data-dir", data)
	compareTrees(t, first, treeSums(t, snap))
	wantEROFS(t, snap, "docs/a.txt", "docs")
	mountROFails(t, mnt, "already using this data directory", "--data-dir", data)
	walrusfs(t, "umount", snap)
	if err := <-s.done; err != nil {
		t.Fatalf("snapshot daemon: %v\n%s", err, s.log)
	}
	s.done <- nil

	sh := filepath.Join(base, "share")
	mountRO(t, sh, "--share", share, "--data-dir", data)
	if b, err := os.ReadFile(filepath.Join(sh, "a.txt")); err != nil || string(b) != "one" {
		t.Fatalf("shared a.txt: %q, %v", b, err)
	}
	if fileSHA(t, filepath.Join(sh, "b.bin")) != first["docs/b.bin"] {
		t.Fatal("shared b.bin differs")
	}
}
