package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "f")
	if err := WriteFile(p, []byte("one"), nil); err == nil {
		t.Fatal("wrote into a missing directory without MkdirAll")
	}
	if err := WriteFile(p, []byte("one"), &Options{MkdirAll: true, Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), &Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Fatalf("content %q, %v", b, err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v: want 0600 (the default)", fi.Mode(), err)
	}
	ents, err := os.ReadDir(filepath.Dir(p))
	if err != nil || len(ents) != 1 {
		t.Fatalf("directory holds %v (%v): want only the file", ents, err)
	}
	// A failed write leaves the old content and no temporary file.
	if err := os.Mkdir(filepath.Join(dir, "sub", "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "sub", "d"), []byte("x"), nil); err == nil {
		t.Fatal("replaced a directory")
	}
	ents, _ = os.ReadDir(filepath.Dir(p))
	for _, e := range ents {
		if IsTemp(e.Name()) {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
	if !IsTemp(TempPrefix+"f-123") || IsTemp("f") {
		t.Fatal("IsTemp")
	}
}
