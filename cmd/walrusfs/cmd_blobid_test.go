package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs walrusfs with args and returns exit code, stdout, stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestBlobID(t *testing.T) {
	dir := t.TempDir()
	hello := filepath.Join(dir, "hello")
	if err := os.WriteFile(hello, []byte("hello walrus"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "blob-id", hello)
	if code != 0 || out != "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I "+hello+"\n" {
		t.Fatalf("code %d out %q", code, out)
	}
	code, out, _ = runCLI(t, "hello walrus", "blob-id", "--shards", "10", "-")
	if code != 0 || out != "5g7EUy58ReQir0t11jz709ae5cdZT24btlovkXo28U8 -\n" {
		t.Fatalf("stdin: code %d out %q", code, out)
	}
	// n = 10 holds at most 1834952 bytes.
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 1834953), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "blob-id", "--shards", "10", hello, big)
	if code == 0 || !strings.Contains(errs, "1834952") || !strings.Contains(out, hello) {
		t.Fatalf("too large: code %d out %q err %q", code, out, errs)
	}
	code, _, errs = runCLI(t, strings.Repeat("x", 1834953), "blob-id", "--shards", "10", "-")
	if code == 0 || !strings.Contains(errs, "too large") {
		t.Fatalf("too large on stdin: code %d err %q", code, errs)
	}
	// A first file that cannot be read (it is read while the codes are set
	// up) fails alone; the others are still hashed, in order.
	missing := filepath.Join(dir, "missing")
	code, out, errs = runCLI(t, "", "blob-id", missing, hello, hello)
	want := "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I " + hello + "\n"
	if code == 0 || out != want+want || !strings.Contains(errs, missing) {
		t.Fatalf("missing first file: code %d out %q err %q", code, out, errs)
	}
	if code, _, _ := runCLI(t, "", "blob-id", "--shards", "3", hello); code == 0 {
		t.Fatal("3 shards accepted")
	}
	if code, _, _ := runCLI(t, "", "blob-id"); code != 2 {
		t.Fatalf("no args: code %d", code)
	}
	if code, _, _ := runCLI(t, "", "nope"); code != 2 {
		t.Fatalf("unknown command: code %d", code)
	}
}
