package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
	"github.com/walrusfs/walrusfs/vfs"
)

func TestShareRelative(t *testing.T) {
	for _, tc := range []struct {
		mnt, p, want string
		bad          bool
	}{
		{"/m", "/m", "", false},
		{"/m", "/m/", "", false},
		{"/m", "/m/a/b", "a/b", false},
		{"/m", "a/b", "a/b", false},
		{"/m", ".", "", false},
		{"/m", "a/../b", "b", false},
		{"/m", "../x", "", true},
		{"/m", "/other/x", "", true},
		{"/m", "/m2/x", "", true},
	} {
		got, err := shareRelative(tc.mnt, tc.p)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("shareRelative(%q, %q) = %q, %v; want %q (error %t)", tc.mnt, tc.p, got, err, tc.want, tc.bad)
		}
	}
}

// testShare returns a valid share string on network.
func testShare(t *testing.T, network string, file bool) string {
	t.Helper()
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := tree.Share{Network: network, File: file, Node: tree.Loc{Blob: blobid.ID{7}, Off: 3, Len: 200}, Key: k}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReadOnlyMountErrors: bad flags and bad share strings fail clearly
// before anything is opened or mounted.
func TestReadOnlyMountErrors(t *testing.T) {
	good := testShare(t, "walrus", false)
	damaged := []byte(good)
	if damaged[25] == 'A' {
		damaged[25] = 'B'
	} else {
		damaged[25] = 'A'
	}
	dd := t.TempDir()
	mnt := t.TempDir()
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"both", []string{"--share", good, "--snapshot", "1", mnt}, "", 2, "exclude each other"},
		{"no mountpoint", []string{"--share", good}, "", 2, "MOUNTPOINT"},
		{"write flags", []string{"--share", good, "--sync-uploads", mnt}, "", 2, "do not apply"},
		{"damaged", []string{"--share", string(damaged), "--aggregator", "http://127.0.0.1:1", mnt}, "", 1, "checksum mismatch"},
		{"damaged on stdin", []string{"--share", "-", "--aggregator", "http://127.0.0.1:1", mnt}, string(damaged) + "\n", 1, "checksum mismatch"},
		{"recovery string", []string{"--share", "wfsr1-AAAA", mnt}, "", 1, "recovery string, not a share string"},
		{"not base64", []string{"--share", "wfs1-ab$cd", mnt}, "", 1, "not base64url"},
		{"unknown deployment", []string{"--share", good, mnt}, "", 2, "give its --aggregator"},
		{"embedded without data dir", []string{"--share", testShare(t, "embedded", true), mnt}, "", 2, "--data-dir"},
		{"embedded data dir without network", []string{"--share", testShare(t, "embedded", false), "--data-dir", dd, mnt}, "", 1, "holds no embedded network"},
		{"negative snapshot", []string{"--snapshot", "-1", "--data-dir", dd, mnt}, "", 2, "commit number"},
		{"snapshot without commits", []string{"--snapshot", "1", "--data-dir", dd, mnt}, "", 1, "no commit of its tree"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			env := &cliEnv{stdin: strings.NewReader(tc.stdin), stdout: &out, stderr: &errb}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := run(ctx, env, append([]string{"mount"}, tc.args...))
			if code != tc.code || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, %q; want exit %d saying %q", code, errb.String(), tc.code, tc.want)
			}
			if strings.Contains(errb.String(), good) {
				t.Fatal("the error quotes the share string")
			}
		})
	}
}

func TestTreeCommits(t *testing.T) {
	dd := t.TempDir()
	if _, err := treeCommits(dd); err == nil || !strings.Contains(err.Error(), "no commit") {
		t.Fatalf("no tree state: %v", err)
	}
	p := filepath.Join(dd, daemon.TreeStateFile)
	for content, want := range map[string]string{
		`{"commits":[]}`: "no commit",
		`{"commits":`:    "unexpected end",
	} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := treeCommits(dd); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want %q", content, err, want)
		}
	}
	id := blobid.ID{9}
	if err := os.WriteFile(p, []byte(`{"commits":[{"seq":1,"loc":{"Blob":"`+blobid.ID{8}.String()+`","Off":1,"Len":50}},{"seq":2,"loc":{"Blob":"`+id.String()+`","Off":5,"Len":60}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cs, err := treeCommits(dd)
	if err != nil || len(cs) != 2 || cs[1].Seq != 2 || cs[1].Loc != (tree.Loc{Blob: id, Off: 5, Len: 60}) {
		t.Fatalf("treeCommits = %+v, %v", cs, err)
	}
}

// memBlobs is an in-memory tree.Fetcher.
type memBlobs map[blobid.ID][]byte

func (m memBlobs) ReadAt(_ context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	b, ok := m[id]
	if !ok || off+n > int64(len(b)) {
		return nil, fmt.Errorf("blob %s: %w", id, blobstore.ErrNotFound)
	}
	return b[off : off+n], nil
}

// TestFindCommit: a kept commit is read straight from its record; another
// one by walking back the chain, which fails past a deleted record; a kept
// entry whose record is another commit is corrupt.
func TestFindCommit(t *testing.T) {
	ctx := context.Background()
	k := tree.DeriveKeys(seal.Key{5}).Commit
	m := memBlobs{}
	var locs []tree.Loc
	for seq := uint64(1); seq <= 3; seq++ {
		c := tree.Commit{Volume: [16]byte{1}, Seq: seq, Root: tree.Loc{Blob: blobid.ID{2}, Len: 100}}
		if seq > 1 {
			p := locs[seq-2]
			c.Parent = &p
		}
		b, err := tree.SealCommit(k, c)
		if err != nil {
			t.Fatal(err)
		}
		id := blobid.ID{byte(10 + seq)}
		m[id] = b
		locs = append(locs, tree.Loc{Blob: id, Len: uint64(len(b))})
	}
	kept := []vfs.TreeCommit{{Seq: 1, Loc: locs[0]}, {Seq: 3, Loc: locs[2]}}
	r := tree.NewReader(m, nil)
	for _, seq := range []uint64{1, 2, 3} {
		c, err := findCommit(ctx, r, kept, seq, k)
		if err != nil || c.Seq != seq {
			t.Fatalf("findCommit(%d) = %+v, %v", seq, c, err)
		}
	}
	delete(m, locs[1].Blob) // commit 2 dropped: its record deleted
	r = tree.NewReader(m, nil)
	if _, err := findCommit(ctx, r, kept, 2, k); err == nil || !strings.Contains(err.Error(), "not a kept snapshot") {
		t.Fatalf("dropped commit: %v", err)
	}
	if c, err := findCommit(ctx, r, kept, 1, k); err != nil || c.Seq != 1 {
		t.Fatalf("a kept commit behind a dropped one: %+v, %v", c, err)
	}
	bad := []vfs.TreeCommit{{Seq: 1, Loc: locs[2]}, {Seq: 3, Loc: locs[2]}}
	if _, err := findCommit(ctx, r, bad, 1, k); !errors.Is(err, tree.ErrCorrupt) {
		t.Fatalf("a kept entry naming another commit's record: %v", err)
	}
	if _, err := findCommit(ctx, r, kept, 3, seal.Key{6}); !errors.Is(err, tree.ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestProbeShards: the shard count under which the aggregator's bytes
// give back the blob ID is found; bytes that match under none, and a
// missing blob, are errors.
func TestProbeShards(t *testing.T) {
	data := bytes.Repeat([]byte("walrusfs share "), 100)
	ids := map[int]blobid.ID{}
	for _, n := range []int{100, 1000, 7} {
		e, err := rs2.NewEncoder(n)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.ComputeMetadata(data)
		if err != nil {
			t.Fatal(err)
		}
		ids[n] = m.BlobID()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	ctx := context.Background()
	for n, id := range ids {
		got, err := probeShards(ctx, []string{"http://127.0.0.1:1", srv.URL}, id)
		if err != nil || got != n {
			t.Errorf("probe of a blob of %d shards: %d, %v", n, got, err)
		}
	}
	if _, err := probeShards(ctx, []string{srv.URL}, blobid.ID{1, 2, 3}); !errors.Is(err, walrus.ErrMismatch) {
		t.Errorf("bytes of no shard count: %v", err)
	}
	t.Setenv(envNShards, "7")
	if n, err := probeShards(ctx, []string{srv.URL}, ids[7]); err != nil || n != 7 {
		t.Errorf("with %s=7: %d, %v", envNShards, n, err)
	}
	if _, err := probeShards(ctx, []string{srv.URL}, ids[100]); !errors.Is(err, walrus.ErrMismatch) {
		t.Errorf("with %s=7, a blob of 100 shards: %v", envNShards, err)
	}
	t.Setenv(envNShards, "x")
	if _, err := probeShards(ctx, []string{srv.URL}, ids[100]); err == nil {
		t.Error("a bad shard count accepted")
	}
	t.Setenv(envNShards, "")
	if _, err := probeShards(ctx, nil, ids[100]); err == nil {
		t.Error("no aggregator accepted")
	}
	srv404 := httptest.NewServer(http.NotFoundHandler())
	defer srv404.Close()
	if _, err := probeShards(ctx, []string{srv404.URL}, ids[100]); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("missing blob: %v", err)
	}
}
