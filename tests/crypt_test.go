package tests

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/devnet"
)

const marker = "WALRUSFS-PLAINTEXT-MARKER-4f1c9e"

// writeMarkerFile writes size bytes of random data with marker every
// 4 KiB.
func writeMarkerFile(t *testing.T, path string, size int, seed uint64) []byte {
	t.Helper()
	writeRandomFile(t, path, int64(size), seed)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+len(marker) <= len(b); i += 4096 {
		copy(b[i:], marker)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// filesHolding lists the files under root whose bytes contain s.
func filesHolding(t *testing.T, root, s string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(s)) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mmapRead reads path through a shared read-only mapping.
func mmapRead(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	return bytes.Clone(m)
}

// TestEncryptedByDefault: a new mount on the embedded network encrypts:
// the marker written into small (packed) and large (chunked) files
// appears in no storage node's file; the files read back the same, by
// read(2) and mmap, after a remount with an empty cache; status says so;
// walrusfs read --raw of one of its blobs prints ciphertext, and without
// --raw, given the mount's data directory, the plaintext.
func TestEncryptedByDefault(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--chunk-size", "1M")
	want := map[string][]byte{}
	for i := range 20 {
		name := fmt.Sprintf("small%02d.txt", i)
		want[name] = writeMarkerFile(t, filepath.Join(mnt, name), 100+i*997, uint64(i))
	}
	want["big.bin"] = writeMarkerFile(t, filepath.Join(mnt, "big.bin"), 3<<20+12345, 99)
	walrusfs(t, "sync", "--data-dir", data)
	if st := status(t, data); !strings.HasPrefix(st.Encryption, "on") || st.EncryptionWarning != "" {
		t.Fatalf("status: encryption %q, warning %q", st.Encryption, st.EncryptionWarning)
	}
	if got := filesHolding(t, filepath.Join(data, "nodes"), marker); len(got) > 0 {
		t.Fatalf("plaintext on the storage nodes: %v", got)
	}
	d.stop()
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data, mnt)
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(mnt, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after remount: %v (%d bytes, want %d)", name, err, len(got), len(b))
		}
		if m := mmapRead(t, filepath.Join(mnt, name)); !bytes.Equal(m, b) {
			t.Fatalf("%s by mmap differs", name)
		}
	}
	// A range read across a segment edge (64 KiB) of the big file.
	f, err := os.Open(filepath.Join(mnt, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := f.ReadAt(buf, 1<<20+65536-50); err != nil || !bytes.Equal(buf, want["big.bin"][1<<20+65536-50:][:100]) {
		t.Fatalf("range read across a segment edge: %v", err)
	}
	f.Close()
	id := make([]byte, 256)
	n, err := syscall.Getxattr(filepath.Join(mnt, "small00.txt"), "user.walrus.blob_ids", id)
	if err != nil || n == 0 {
		t.Fatalf("user.walrus.blob_ids: %v", err)
	}
	blob := strings.Fields(string(id[:n]))[0]
	out := walrusfs(t, "read", "--data-dir", data, "--raw", blob)
	if len(out) == 0 || strings.Contains(out, marker) {
		t.Fatalf("walrusfs read --raw of an encrypted blob: %d bytes, plaintext %v", len(out), strings.Contains(out, marker))
	}
	// Given the running mount's data directory, read opens it: the pack's
	// files one after the other.
	plain, err := exec.Command(binary, "read", "--data-dir", data, blob).Output()
	if err != nil || !bytes.Contains(plain, want["small00.txt"]) {
		t.Fatalf("walrusfs read with the mount's data directory: %v, %d bytes, holds small00.txt: %v", err, len(plain), bytes.Contains(plain, want["small00.txt"]))
	}
}

// TestPlaintextMount: --encrypt=false at creation stores plaintext (the
// marker is on the nodes, which also shows the search above can see it)
// and says so in the log and in status; the data directory stays
// plaintext when mounted again, and --encrypt later encrypts what is
// stored from then on while the old files still read.
func TestPlaintextMount(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--encrypt=false")
	old := writeMarkerFile(t, filepath.Join(mnt, "old.txt"), 5000, 1)
	walrusfs(t, "sync", "--data-dir", data)
	st := status(t, data)
	if st.Encryption != "off" || !strings.Contains(st.EncryptionWarning, "clear") {
		t.Fatalf("status: encryption %q, warning %q", st.Encryption, st.EncryptionWarning)
	}
	if !strings.Contains(d.log.String(), "encryption is off") {
		t.Fatalf("no warning in the log:\n%s", d.log)
	}
	if got := filesHolding(t, filepath.Join(data, "nodes"), marker); len(got) == 0 {
		t.Fatal("the marker of a plaintext mount is on no node: the search cannot see it")
	}
	d.stop()
	// A plaintext data directory stays plaintext by default...
	d = mount(t, data, mnt)
	if st := status(t, data); st.Encryption != "off" {
		t.Fatalf("remount: encryption %q", st.Encryption)
	}
	d.stop()
	// ... and --encrypt turns encryption on for what is stored next.
	mount(t, data, mnt, "--encrypt")
	const marker2 = "SECOND-MARKER-after-encrypt-on-77"
	newer := bytes.Repeat([]byte(marker2), 1000)
	if err := os.WriteFile(filepath.Join(mnt, "new.txt"), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	walrusfs(t, "sync", "--data-dir", data)
	if got := filesHolding(t, filepath.Join(data, "nodes"), marker2); len(got) > 0 {
		t.Fatalf("plaintext of a file written after --encrypt on the nodes: %v", got)
	}
	for name, b := range map[string][]byte{"old.txt": old, "new.txt": newer} {
		if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// dirDigest hashes every file (path, mode, size, content) under root.
func dirDigest(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, fi.Mode(), fi.Size())
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestPassphraseAndRecovery: a volume created with a passphrase file opens
// only with it: a wrong passphrase fails clearly and changes nothing in
// the data directory; the recovery code alone opens a copy of the data
// directory; change-passphrase makes the old one fail and the new one
// work; a weak passphrase is refused.
func TestPassphraseAndRecovery(t *testing.T) {
	needFUSE(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	pass := filepath.Join(base, "pass")
	if err := os.WriteFile(pass, []byte("correct horse battery staple 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	weak := filepath.Join(base, "weak")
	if err := os.WriteFile(weak, []byte("password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binary, "mount", "--data-dir", filepath.Join(base, "weakdata"), "--passphrase-file", weak, mnt).CombinedOutput(); err == nil ||
		!strings.Contains(strings.ToLower(string(out)), "passphrase") {
		t.Fatalf("weak passphrase accepted: %v\n%s", err, out)
	}
	d := mount(t, data, mnt, "--passphrase-file", pass)
	b := writeMarkerFile(t, filepath.Join(mnt, "f.txt"), 70000, 3)
	walrusfs(t, "sync", "--data-dir", data)
	code, err := exec.Command(binary, "key", "export-recovery", "--data-dir", data, "--passphrase-file", pass).Output()
	if err != nil || !strings.HasPrefix(string(code), "AGE-SECRET-KEY-1") {
		t.Fatalf("export-recovery: %v: %q", err, code)
	}
	codeFile := filepath.Join(base, "code")
	if err := os.WriteFile(codeFile, code, 0o600); err != nil {
		t.Fatal(err)
	}
	d.stop()

	wrong := filepath.Join(base, "wrong")
	if err := os.WriteFile(wrong, []byte("incorrect horse battery staple 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := dirDigest(t, data)
	out, err := exec.Command(binary, "mount", "--data-dir", data, "--passphrase-file", wrong, mnt).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "wrong passphrase") {
		t.Fatalf("mount with a wrong passphrase: %v\n%s", err, out)
	}
	if after := dirDigest(t, data); after != before {
		t.Fatal("a failed unlock changed the data directory")
	}
	if out, err := exec.Command(binary, "mount", "--data-dir", data, mnt).CombinedOutput(); err == nil || !strings.Contains(string(out), "could not be unlocked") {
		t.Fatalf("mount without any key: %v\n%s", err, out)
	}

	// The recovery code alone, on a copy of the data directory.
	copyDir := filepath.Join(base, "copy")
	if out, err := exec.Command("cp", "-a", data, copyDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	d = mount(t, copyDir, mnt, "--recovery-code-file", codeFile)
	if got, err := os.ReadFile(filepath.Join(mnt, "f.txt")); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("read with the recovery code: %v", err)
	}
	d.stop()

	newPass := filepath.Join(base, "newpass")
	if err := os.WriteFile(newPass, []byte("a different, long and unusual phrase 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	walrusfs(t, "key", "change-passphrase", "--data-dir", data, "--passphrase-file", pass, "--new-passphrase-file", newPass)
	if out, err := exec.Command(binary, "mount", "--data-dir", data, "--passphrase-file", pass, mnt).CombinedOutput(); err == nil {
		t.Fatalf("the old passphrase still works\n%s", out)
	}
	mount(t, data, mnt, "--passphrase-file", newPass)
	if got, err := os.ReadFile(filepath.Join(mnt, "f.txt")); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("read with the new passphrase: %v", err)
	}
}

// TestDevnetEncrypted: a mount with a wallet on the devnet encrypts and is
// unlocked by its wallet alone (no key file is made): no plaintext in any
// file of the devnet (storage nodes, chain), small and large files; the
// files read back after a remount with an empty cache.
func TestDevnetEncrypted(t *testing.T) {
	needFUSE(t)
	dn := startDevnet(t)
	base := t.TempDir()
	data, mnt := filepath.Join(base, "data"), filepath.Join(base, "mnt")
	d := mount(t, data, mnt, "--config", devnet.ClientConfig(dn.Dir))
	want := map[string][]byte{
		"photo.jpg": writeMarkerFile(t, filepath.Join(mnt, "photo.jpg"), 50_000, 1),
		"video.mov": writeMarkerFile(t, filepath.Join(mnt, "video.mov"), 5<<20, 2),
	}
	walrusfs(t, "sync", "--data-dir", data)
	if got := filesHolding(t, dn.Dir, marker); len(got) > 0 {
		t.Fatalf("plaintext on the devnet: %v", got)
	}
	if out := walrusfs(t, "key", "status", "--data-dir", data); !strings.Contains(out, "wallet") || strings.Contains(out, "keyfile") {
		t.Fatalf("key status: %s", out)
	}
	if st := status(t, data); st.Encryption != "on (unlocked by wallet)" {
		t.Fatalf("status encryption %q", st.Encryption)
	}
	d.stop()
	if err := os.RemoveAll(filepath.Join(data, "cache")); err != nil {
		t.Fatal(err)
	}
	mount(t, data, mnt)
	for name, b := range want {
		if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after remount: %v", name, err)
		}
	}
}
