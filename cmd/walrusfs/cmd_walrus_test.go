package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/blobstore/walrus/walrustest"
)

// TestWalrusStoreRead is the CLI contract of store and read on Walrus:
// store prints "<blob-id> <file>" per file to a publisher, read fetches
// and verifies one blob from an aggregator with no data directory, and
// any failure (here an aggregator serving wrong bytes) is a non-zero exit
// with one line on stderr and no -o file.
func TestWalrusStoreRead(t *testing.T) {
	srv := walrustest.NewServer(t, &walrustest.Options{NShards: 1000})
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.bin")
	os.WriteFile(a, []byte("hello walrus\n"), 0o644)
	data := bytes.Repeat([]byte("blob!"), 4_000)
	os.WriteFile(b, data, 0o644)

	code, out, errs := cli(t, nil, "store", "--publisher", srv.PublisherURL(), "--epochs", "3", a, b)
	if code != 0 {
		t.Fatalf("store: exit %d, %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " "+a) || !strings.HasSuffix(lines[1], " "+b) {
		t.Fatalf("store output %q", out)
	}
	if got := srv.LastPutQuery().Get("epochs"); got != "3" {
		t.Fatalf("publisher got epochs=%q", got)
	}
	idA, idB := strings.Fields(lines[0])[0], strings.Fields(lines[1])[0]
	if !srv.Has(idA) || !srv.Has(idB) {
		t.Fatal("the publisher does not have the blobs store printed")
	}
	// The printed ID is the locally computed Walrus blob ID.
	if c, o, _ := cli(t, nil, "blob-id", "--shards", "1000", b); c != 0 || strings.Fields(o)[0] != idB {
		t.Fatalf("blob-id says %q, store said %s", o, idB)
	}

	agg := srv.AggregatorURL(0)
	if code, out, errs = cli(t, nil, "read", "--aggregator", agg, idB); code != 0 || out != string(data) {
		t.Fatalf("read: exit %d, %d bytes, %q", code, len(out), errs)
	}
	if code, out, _ = cli(t, nil, "read", "--aggregator", agg, "--range", "6:6", idA); code != 0 || out != "walrus" {
		t.Fatalf("read --range: %d %q", code, out)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if code, _, errs = cli(t, nil, "read", "--aggregator", agg, idA, "-o", dst); code != 0 {
		t.Fatalf("read -o: %d %q", code, errs)
	}
	if got, _ := os.ReadFile(dst); string(got) != "hello walrus\n" {
		t.Fatalf("-o file holds %q", got)
	}

	// Wrong bytes from the (only) aggregator: exit 1, one line naming the
	// mismatch, no output file, nothing on stdout.
	srv.FailAggregator(0, walrustest.WrongBytes, 100)
	bad := filepath.Join(t.TempDir(), "bad")
	code, out, errs = cli(t, nil, "read", "--aggregator", agg, idB, "-o", bad)
	if code == 0 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "does not match") {
		t.Fatalf("wrong bytes: exit %d, stdout %d bytes, stderr %q", code, len(out), errs)
	}
	if ents, _ := os.ReadDir(filepath.Dir(bad)); len(ents) != 0 {
		t.Fatalf("a failed read left %v", ents)
	}
	srv.FailAggregator(0, walrustest.None, 0)

	// Malformed ID, unknown blob, publisher refusing: one line each.
	for _, c := range [][]string{
		{"read", "--aggregator", agg, "not-a-blob-id"},
		{"read", "--aggregator", agg, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"read", "--aggregator", agg, "--nodes", "4", idA},
	} {
		code, _, errs = cli(t, nil, c...)
		if code == 0 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", c, code, errs)
		}
	}
	srv.FailPublisher(walrustest.TooLarge, 100)
	code, out, errs = cli(t, nil, "store", "--publisher", srv.PublisherURL(), "--aggregator", agg, a)
	if code == 0 || out != "" || !strings.Contains(errs, a) {
		t.Fatalf("store with 413: exit %d, %q, %q", code, out, errs)
	}
}
