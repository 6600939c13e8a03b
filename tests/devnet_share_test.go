package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// mountRO starts walrusfs mount with args (no data directory of its own)
// on mnt and waits until it serves, like mount.
func mountRO(t *testing.T, mnt string, args ...string) *daemon {
	t.Helper()
	return startDaemon(t, "", mnt, args, 2*time.Minute)
}

// mountROFails runs walrusfs mount args on a fresh mountpoint and wants it
// to fail with a message holding want, mounting nothing.
func mountROFails(t *testing.T, mnt, want string, args ...string) {
	t.Helper()
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, append(append([]string{"mount"}, args...), mnt)...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		lazyUnmount(mnt)
		t.Fatalf("walrusfs mount did not fail: it runs\n%s", out)
	}
	if err == nil || !strings.Contains(string(out), want) {
		t.Fatalf("walrusfs mount: %v, %q; want a failure saying %q", err, out, want)
	}
	if isMounted(mnt) {
		lazyUnmount(mnt)
		t.Fatalf("%s mounted after a failure", mnt)
	}
}

// stdout runs walrusfs args and returns its standard output alone.
func stdout(t *testing.T, args ...string) string {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("walrusfs %s: %v\n%s%s", strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String()
}

// wantEROFS checks that every change under root is refused with EROFS.
func wantEROFS(t *testing.T, root, file, dir string) {
	t.Helper()
	changes := map[string]func() error{
		"touch": func() error {
			f, err := os.OpenFile(filepath.Join(root, "new"), os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				f.Close()
			}
			return err
		},
		"echo >": func() error { return os.WriteFile(filepath.Join(root, file), []byte("x"), 0o644) },
		"mkdir":  func() error { return os.Mkdir(filepath.Join(root, "newdir"), 0o755) },
		"rm":     func() error { return os.Remove(filepath.Join(root, file)) },
		"rmdir":  func() error { return syscall.Rmdir(filepath.Join(root, dir)) },
		"mv":     func() error { return os.Rename(filepath.Join(root, file), filepath.Join(root, "moved")) },
		"setfattr": func() error {
			return syscall.Setxattr(filepath.Join(root, file), "user.color", []byte("pink"), 0)
		},
		"chmod":    func() error { return os.Chmod(filepath.Join(root, file), 0o777) },
		"ln -s":    func() error { return os.Symlink(file, filepath.Join(root, "sym")) },
		"ln":       func() error { return os.Link(filepath.Join(root, file), filepath.Join(root, "hard")) },
		"truncate": func() error { return os.Truncate(filepath.Join(root, file), 0) },
	}
	for name, fn := range changes {
		if err := fn(); !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s in a read-only mount: %v, want EROFS", name, err)
		}
	}
}

// TestDevnetShare: a folder of a mount that writes to the devnet with a
// wallet is shared with walrusfs share, and mounted elsewhere from the
// share string and the aggregator's URL alone (no wallet, no data
// directory): the same bytes, modes, symlink targets and xattrs, nothing
// outside the folder, every change refused with EROFS, range reads right.
// A damaged share string and one with the wrong key fail before anything
// is mounted; a file's share mounts that one file.
func TestDevnetShare(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	conf := devnet.ClientConfig(dn.Dir)
	owner := mount(t, data, mnt, "--config", conf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(mnt, "sub")
	must(os.MkdirAll(filepath.Join(sub, "nested", "deeper"), 0o750))
	writeRandomFile(t, filepath.Join(sub, "big.bin"), 5<<20+12345, 1)
	writeRandomFile(t, filepath.Join(sub, "small.txt"), 1000, 2)
	writeRandomFile(t, filepath.Join(sub, "nested", "n.dat"), 70_000, 3)
	writeRandomFile(t, filepath.Join(sub, "nested", "deeper", "d.txt"), 10, 4)
	must(os.Chmod(filepath.Join(sub, "nested", "n.dat"), 0o600))
	must(os.Symlink("small.txt", filepath.Join(sub, "link")))
	must(os.Symlink("../outside.txt", filepath.Join(sub, "escape")))
	must(syscall.Setxattr(filepath.Join(sub, "small.txt"), "user.color", []byte("green"), 0))
	must(syscall.Setxattr(filepath.Join(sub, "nested"), "user.color", []byte("blue"), 0))
	writeRandomFile(t, filepath.Join(mnt, "outside.txt"), 500, 5)
	must(os.Mkdir(filepath.Join(mnt, "private"), 0o700))
	writeRandomFile(t, filepath.Join(mnt, "private", "secret"), 100, 6)
	walrusfs(t, "sync", "--data-dir", data)

	// walrusfs share commits first, so no walrusfs commit is needed.
	share := strings.TrimSpace(stdout(t, "share", sub))
	if !strings.HasPrefix(share, "wfs1-") || strings.ContainsAny(share, " \n") {
		t.Fatalf("walrusfs share printed %q", share)
	}
	var js struct {
		Share  string `json:"share"`
		Path   string `json:"path"`
		Commit uint64 `json:"commit"`
		File   bool   `json:"file"`
	}
	must(json.Unmarshal([]byte(stdout(t, "share", "--json", "--data-dir", data, "sub")), &js))
	if js.Share != share || js.Path != "/sub" || js.Commit != 1 || js.File {
		t.Fatalf("share --json = %+v; want the same string of /sub at commit 1", js)
	}
	if strings.Contains(owner.log.String(), share) {
		t.Fatal("the daemon logged the share string")
	}
	wantSums, wantMeta := treeSums(t, sub), metaOf(t, sub)
	big, err := os.ReadFile(filepath.Join(sub, "big.bin"))
	must(err)

	agg := "http://" + dn.Layout.Aggregator
	ro := filepath.Join(base, "ro")
	rd := mountRO(t, ro, "--share", share, "--aggregator", agg)
	compareTrees(t, wantSums, treeSums(t, ro))
	gotMeta := metaOf(t, ro)
	for p, w := range wantMeta {
		if p != "." && gotMeta[p] != w {
			t.Errorf("%s:\n shared %s\n want   %s", p, gotMeta[p], w)
		}
	}
	ents, err := os.ReadDir(ro)
	must(err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"big.bin", "escape", "link", "nested", "small.txt"}; !slices.Equal(names, want) {
		t.Fatalf("share root lists %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(ro, "escape")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a symlink out of the share reaches %v", err)
	}
	if fi, err := os.Stat(ro); err != nil || fi.Mode().Perm() != 0o555 {
		t.Fatalf("share root: %v, %v", fi.Mode(), err)
	}
	f, err := os.Open(filepath.Join(ro, "big.bin"))
	must(err)
	for _, r := range [][2]int64{{2<<20 + 7, 1 << 20}, {5 << 20, 12345}, {65535, 3}} {
		buf := make([]byte, r[1])
		if n, err := f.ReadAt(buf, r[0]); err != nil || int64(n) != r[1] || !bytes.Equal(buf, big[r[0]:r[0]+r[1]]) {
			t.Fatalf("range read %d+%d: %d, %v, equal %t", r[0], r[1], n, err, bytes.Equal(buf, big[r[0]:r[0]+r[1]]))
		}
	}
	f.Close()
	wantEROFS(t, ro, "small.txt", "nested")
	if !strings.Contains(rd.log.String(), "share of a folder") {
		t.Errorf("the read-only daemon's log does not say what is shared:\n%s", rd.log)
	}
	walrusfs(t, "umount", ro)
	if isMounted(ro) {
		t.Fatal("walrusfs umount left the share mounted")
	}

	// One character changed: the checksum catches it.
	bad := []byte(share)
	if bad[30] == 'A' {
		bad[30] = 'B'
	} else {
		bad[30] = 'A'
	}
	mountROFails(t, filepath.Join(base, "bad"), "checksum", "--share", string(bad), "--aggregator", agg)
	// The right place with another key: authentication fails.
	s, err := tree.ParseShare(share)
	must(err)
	if s.Key, err = seal.NewKey(); err != nil {
		t.Fatal(err)
	}
	wrong, err := s.Encode()
	must(err)
	mountROFails(t, filepath.Join(base, "wrong"), "authentication failed", "--share", wrong, "--aggregator", agg)

	// A file's share mounts that one file.
	js.Share = ""
	must(json.Unmarshal([]byte(stdout(t, "share", "--json", filepath.Join(sub, "nested", "n.dat"))), &js))
	if !js.File || js.Path != "/sub/nested/n.dat" || !strings.HasPrefix(js.Share, "wfs1-") {
		t.Fatalf("file share: %+v", js)
	}
	fro := filepath.Join(base, "file")
	mountRO(t, fro, "--share", js.Share, "--aggregator", agg)
	got := treeSums(t, fro)
	if len(got) != 2 || got["n.dat"] != wantSums["nested/n.dat"] {
		t.Fatalf("file share shows %v, want only n.dat %s", got, wantSums["nested/n.dat"])
	}
	if m := metaOf(t, fro)["n.dat"]; !strings.HasPrefix(m, strings.Split(wantMeta["nested/n.dat"], " nlink")[0]) {
		t.Fatalf("file share n.dat: %s, want %s", m, wantMeta["nested/n.dat"])
	}
	wantEROFS(t, fro, "n.dat", "n.dat")
	// The owner's mount is unchanged by all this.
	compareTrees(t, wantSums, treeSums(t, sub))
}

// TestDevnetSnapshot: after two commits (a file edited and another
// deleted between them), walrusfs mount --snapshot 1 shows the first
// commit read-only while the normal mount of the same data directory
// runs on (a Walrus back end is read through the network, independently
// of the daemon), and the normal mount is unchanged.
func TestDevnetSnapshot(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	conf := devnet.ClientConfig(dn.Dir)
	// Every commit is kept (all=2d), and commit 1 with it the blobs of the
	// file deleted after it.
	mount(t, data, mnt, "--config", conf, "--gc-grace", "1h", "--keep", "all=2d")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(mnt, "a.txt"), []byte("version one\n"), 0o644))
	writeRandomFile(t, filepath.Join(mnt, "b.bin"), 3<<20, 7)
	must(os.Mkdir(filepath.Join(mnt, "dir"), 0o755))
	must(os.WriteFile(filepath.Join(mnt, "dir", "c.txt"), []byte("c"), 0o640))
	walrusfs(t, "sync", "--data-dir", data)
	if out := walrusfs(t, "commit", "--data-dir", data); !strings.HasPrefix(out, "commit 1 ") {
		t.Fatalf("commit: %s", out)
	}
	first := treeSums(t, mnt)
	must(os.WriteFile(filepath.Join(mnt, "a.txt"), []byte("version two, longer\n"), 0o644))
	must(os.Remove(filepath.Join(mnt, "b.bin")))
	walrusfs(t, "sync", "--data-dir", data)
	if out := walrusfs(t, "commit", "--data-dir", data); !strings.HasPrefix(out, "commit 2 ") {
		t.Fatalf("commit: %s", out)
	}
	now := treeSums(t, mnt)

	snap := filepath.Join(base, "snap")
	mountRO(t, snap, "--snapshot", "1", "--data-dir", data)
	compareTrees(t, first, treeSums(t, snap))
	if b, err := os.ReadFile(filepath.Join(snap, "a.txt")); err != nil || string(b) != "version one\n" {
		t.Fatalf("snapshot 1 a.txt: %q, %v", b, err)
	}
	wantEROFS(t, snap, "a.txt", "dir")
	compareTrees(t, now, treeSums(t, mnt))
	if b, err := os.ReadFile(filepath.Join(mnt, "a.txt")); err != nil || string(b) != "version two, longer\n" {
		t.Fatalf("current a.txt: %q, %v", b, err)
	}
	walrusfs(t, "umount", snap)
	mountROFails(t, filepath.Join(base, "snap3"), "no commit 3", "--snapshot", "3", "--data-dir", data)
}
