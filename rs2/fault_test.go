//go:build linux

package rs2

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDataFault maps a file, truncates it, and checks that reading the
// vanished pages is an error wrapping ErrDataFault, not a crash.
func TestDataFault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, pattern(1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := unix.Mmap(int(f.Fd()), 0, 1<<20, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(data)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := HashSource(10, data, 2); !errors.Is(err, ErrDataFault) {
		t.Fatalf("HashSource: %v, want ErrDataFault", err)
	}
	if _, err := e.ComputeMetadata(data); !errors.Is(err, ErrDataFault) {
		t.Fatalf("ComputeMetadata: %v, want ErrDataFault", err)
	}
	if _, err := e.Encode(data, func(*Sliver) error { return nil }); !errors.Is(err, ErrDataFault) {
		t.Fatalf("Encode: %v, want ErrDataFault", err)
	}
}
