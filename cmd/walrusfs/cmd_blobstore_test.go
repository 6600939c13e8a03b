package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs one command with buffers and returns exit code, stdout, stderr.
func cli(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &cliEnv{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestStoreReadRoundTrip(t *testing.T) {
	dd := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000)
	file := filepath.Join(t.TempDir(), "in.bin")
	os.WriteFile(file, data, 0o644)
	code, out, errs := cli(t, []byte("from stdin"), "store", "--data-dir", dd, "--nodes", "4", "--shards", "10", file, "-")
	if code != 0 {
		t.Fatalf("store: exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " "+file) || !strings.HasSuffix(lines[1], " -") {
		t.Fatalf("store output %q", out)
	}
	id := strings.Fields(lines[0])[0]
	stdinID := strings.Fields(lines[1])[0]
	// The ID is the Walrus blob ID (same as blob-id for the shard count).
	if c, o, _ := cli(t, nil, "blob-id", "--shards", "10", file); c != 0 || strings.Fields(o)[0] != id {
		t.Fatalf("blob-id says %q, store said %s", o, id)
	}
	code, out, errs = cli(t, nil, "read", "--data-dir", dd, id)
	if code != 0 || out != string(data) {
		t.Fatalf("read: exit %d, %d bytes, stderr %s", code, len(out), errs)
	}
	if code, out, _ = cli(t, nil, "read", "--data-dir", dd, stdinID); code != 0 || out != "from stdin" {
		t.Fatalf("read of the stdin blob: %d %q", code, out)
	}
	code, out, errs = cli(t, nil, "read", "--data-dir", dd, "--range", "16000:33", id)
	if code != 0 || out != string(data[16000:16033]) {
		t.Fatalf("read --range: exit %d, %q, %s", code, out, errs)
	}
	dst := filepath.Join(t.TempDir(), "out.bin")
	if code, _, errs = cli(t, nil, "read", "--data-dir", dd, "-o", dst, id); code != 0 {
		t.Fatalf("read -o: %s", errs)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatal("read -o wrote wrong bytes")
	}
	// A changed layout is refused with a clear message.
	if code, _, errs = cli(t, nil, "store", "--data-dir", dd, "--shards", "20", file); code == 0 || !strings.Contains(errs, "created with 10 shards") {
		t.Fatalf("store with another shard count: %d %s", code, errs)
	}
	code, out, errs = cli(t, nil, "scrub", "--data-dir", dd)
	if code != 0 || !strings.Contains(out, "scrub: 2 blobs: 2 healthy") {
		t.Fatalf("scrub: %d %q %s", code, out, errs)
	}
}

func TestReadErrors(t *testing.T) {
	dd := t.TempDir()
	unknown := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	dst := filepath.Join(t.TempDir(), "never")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"read", "--data-dir", dd, "not-a-blob-id"}, 1, "malformed blob ID"},
		{[]string{"read", "--data-dir", dd, "-o", dst, unknown}, 1, "unknown blob " + unknown},
		{[]string{"read", "--data-dir", dd, "--range", "5", unknown}, 2, "START:LENGTH"},
		{[]string{"read", "--data-dir", dd}, 2, "one blob ID"},
		{[]string{"store", "--data-dir", dd}, 2, "no files"},
		{[]string{"node", "--dir", dd}, 2, "required"},
		{[]string{"node", "--dir", dd, "--shards", "0-200"}, 2, "not within"},
	}
	for _, c := range cases {
		code, _, errs := cli(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 3 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatal("a failed read -o left a file")
	}
}
