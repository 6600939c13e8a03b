package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestBlobIDMapped checks that a mapped regular file gives the blob ID of
// the same bytes read from standard input, empty files included.
func TestBlobIDMapped(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 4095, 4096, 200_001} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + 13)
		}
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, fromFile, errs := runCLI(t, "", "blob-id", "--shards", "100", path)
		if code != 0 {
			t.Fatalf("size %d: code %d err %q", size, code, errs)
		}
		code, fromStdin, errs := runCLI(t, string(data), "blob-id", "--shards", "100", "-")
		if code != 0 {
			t.Fatalf("size %d stdin: code %d err %q", size, code, errs)
		}
		if strings.Fields(fromFile)[0] != strings.Fields(fromStdin)[0] {
			t.Fatalf("size %d: file gives %q, stdin %q", size, fromFile, fromStdin)
		}
	}
	// A file that says it is empty and is not (as in /proc) is refused.
	if _, err := os.Stat("/proc/self/status"); err == nil {
		code, _, errs := runCLI(t, "", "blob-id", "/proc/self/status")
		if code == 0 || !strings.Contains(errs, "grew while read") {
			t.Fatalf("/proc/self/status: code %d err %q", code, errs)
		}
	}
}

// TestBlobInputChanged checks that a mapped file that changes before its
// blob ID is computed is refused.
func TestBlobInputChanged(t *testing.T) {
	dir := t.TempDir()
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	for _, tc := range []struct {
		name   string
		change func(path string) error
	}{
		{"grown", func(path string) error {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			_, err = f.Write([]byte("x"))
			return errors.Join(err, f.Close())
		}},
		{"rewritten", func(path string) error {
			return os.Chtimes(path, time.Time{}, time.Now().Add(-time.Hour))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte("hello walrus"), 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := openBlobInput(env, path, 1<<20, 100)
			if err != nil {
				t.Fatal(err)
			}
			defer in.close()
			if err := in.unchanged(); err != nil {
				t.Fatalf("before the change: %v", err)
			}
			if err := tc.change(path); err != nil {
				t.Fatal(err)
			}
			if err := in.unchanged(); err == nil || !strings.Contains(err.Error(), "changed while read") {
				t.Fatalf("after the change: %v", err)
			}
		})
	}
}
