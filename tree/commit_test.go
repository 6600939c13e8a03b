package tree

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleCommit() Commit {
	return Commit{Volume: [16]byte{0xde, 0xad, 15: 1}, Seq: 42, Time: 1_764_000_000_000_000_000,
		Parent:   &Loc{Blob: testBlob(7), Off: 123, Len: 200},
		Root:     Loc{Blob: testBlob(8), Off: 1 << 30, Len: 5000},
		RootAttr: DirAttr{Mode: 0o755, Uid: 1000, Gid: 100, Atime: 5, Mtime: 6, Ctime: 7, Xattrs: []Xattr{{Name: "user.k", Value: []byte("v")}}},
		Files:    100_000, Bytes: 1 << 40}
}

func TestCommitRoundTrip(t *testing.T) {
	k := DeriveKeys(testKey(1)).Commit
	first := sampleCommit()
	first.Parent, first.Seq, first.RootAttr = nil, 1, DirAttr{}
	for _, c := range []Commit{sampleCommit(), first} {
		sealed, err := SealCommit(k, c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OpenCommit(k, sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("commit round trip: got %+v want %+v", got, c)
		}
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 0x80
			if _, err := OpenCommit(k, bad); !errors.Is(err, ErrAuth) {
				t.Fatalf("commit byte %d flipped: %v", i, err)
			}
		}
		if _, err := OpenCommit(DeriveKeys(testKey(1)).Root, sealed); !errors.Is(err, ErrAuth) {
			t.Fatalf("commit under the root key: %v", err)
		}
	}
}

func TestCommitRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(c *Commit)
		want string
	}{
		{"zero volume", func(c *Commit) { c.Volume = [16]byte{} }, "zero volume ID"},
		{"zero root", func(c *Commit) { c.Root = Loc{} }, "root node"},
		{"short root", func(c *Commit) { c.Root.Len = 10 }, "root node"},
		{"bad parent", func(c *Commit) { c.Parent = &Loc{Len: 100} }, "parent commit"},
		{"mode", func(c *Commit) { c.RootAttr.Mode = 0o40755 }, "beyond 07777"},
		{"xattrs", func(c *Commit) { c.RootAttr.Xattrs = []Xattr{{Name: "b"}, {Name: "a"}} }, "not after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sampleCommit()
			tc.mod(&c)
			_, err := SealCommit(testKey(1), c)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	// The decoder: truncations, trailing bytes, a bad parent flag.
	var e encoder
	c := sampleCommit()
	e.fixed16(c.Volume)
	e.uvarint(1)
	e.varint(0)
	e.byte1(2)
	if _, err := decodeCommit(e.b); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "parent flag") {
		t.Fatalf("parent flag 2: %v", err)
	}
	sealed, _ := SealCommit(testKey(1), c)
	body, _ := openRecord(testKey(1), kindCommit, sealed)
	for i := range body {
		if _, err := decodeCommit(body[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("commit truncated to %d: %v", i, err)
		}
	}
	if _, err := decodeCommit(append(body, 0)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("commit with a trailing byte: %v", err)
	}
}
