package tree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

func TestNodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	many := Entry{Name: "big", Type: index.TypeFile, Mode: 0o644, ChunkSize: 1 << 20, Size: 5000 << 20}
	for i := range 5000 {
		many.Chunks = append(many.Chunks, Chunk{Index: uint64(i), Len: 1 << 20, Blob: testBlob(i % 37),
			Off: uint64(i) << 21, Length: uint64(seal.SealedSize(1 << 20)), Key: randKey(r)})
	}
	many.Chunks[4999].Index = 1<<32 + 5 // far beyond the previous one (a sparse file)
	many.Size = (1<<32+6)<<20 - 1
	many.Chunks[4999].Len = 1<<20 - 1
	var deep []Xattr
	for i := range 50 {
		x := Xattr{Name: fmt.Sprintf("user.x%02d", i)}
		if i > 0 { // the decoder returns nil for an empty value
			x.Value = bytes.Repeat([]byte{byte(i)}, i*100)
		}
		deep = append(deep, x)
	}
	maxName := strings.Repeat("n", MaxNameLen)
	for _, tc := range []struct {
		name string
		node Node
	}{
		{"empty", Node{}},
		{"every type", sampleNode()},
		{"many chunks", Node{Entries: []Entry{many}}},
		{"many xattrs", Node{Entries: []Entry{{Name: "x", Type: index.TypeDir, Xattrs: deep,
			Child: Loc{Blob: testBlob(1), Len: minSealed}, ChildKey: testKey(1)}}}},
		{"longest name and target", Node{Entries: []Entry{{Name: maxName, Type: index.TypeSymlink,
			Target: strings.Repeat("t/", MaxTargetLen/2) + "t"}}}},
		{"1000 files", randomNode(r, 1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := testKey(1)
			sealed := mustSealNode(t, k, tc.node)
			got, err := OpenNode(k, sealed)
			if err != nil {
				t.Fatal(err)
			}
			checkSameNode(t, got, tc.node)
			// Two sealings differ (random nonce) and both open.
			if again := mustSealNode(t, k, tc.node); bytes.Equal(again, sealed) {
				t.Fatal("two sealings are identical: the nonce is not random")
			}
		})
	}
}

func TestNodeRoundTrip100k(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	n := randomNode(rand.New(rand.NewPCG(3, 4)), 100_000)
	sealed := mustSealNode(t, testKey(2), n)
	got, err := OpenNode(testKey(2), sealed)
	if err != nil {
		t.Fatal(err)
	}
	checkSameNode(t, got, n)
	t.Logf("100 000 entries: %d bytes sealed, %.1f B/entry", len(sealed), float64(len(sealed))/1e5)
}

func TestFileNode(t *testing.T) {
	e := sampleNode().Entries[5] // link1
	k := testKey(3)
	sealed, err := SealFileNode(k, e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenFileNode(k, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("file node round trip: got %+v want %+v", got, e)
	}
	if _, err := SealFileNode(k, sampleNode().Entries[2]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("file node of a directory: %v, want ErrInvalid", err)
	}
}

// TestTamper: every flipped bit position, a truncation, an extension, a
// wrong key and a record of another kind fail with a clear error.
func TestTamper(t *testing.T) {
	k := testKey(4)
	node := Node{Entries: sampleNode().Entries[:3]}
	sealed := mustSealNode(t, k, node)
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 1 << (i % 8)
		if _, err := OpenNode(k, bad); !errors.Is(err, ErrAuth) {
			t.Fatalf("byte %d flipped: %v, want ErrAuth", i, err)
		}
	}
	for _, bad := range [][]byte{sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0), sealed[:minSealed-1], nil} {
		if _, err := OpenNode(k, bad); !errors.Is(err, ErrAuth) {
			t.Fatalf("%d of %d bytes: %v, want ErrAuth", len(bad), len(sealed), err)
		}
	}
	_, err := OpenNode(testKey(5), sealed)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "wrong key") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := OpenNode(seal.Key{}, sealed); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero key: %v, want ErrInvalid", err)
	}

	// Kinds cannot be confused, and the error names both.
	fileNode, err := SealFileNode(k, node.Entries[0].withType())
	if err != nil {
		t.Fatal(err)
	}
	commit, err := SealCommit(k, sampleCommit())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		open func() error
		want string
	}{
		{"dir as file", func() error { _, err := OpenFileNode(k, sealed); return err }, "open file node: the bytes are a directory node"},
		{"dir as commit", func() error { _, err := OpenCommit(k, sealed); return err }, "open commit record: the bytes are a directory node"},
		{"file as dir", func() error { _, err := OpenNode(k, fileNode); return err }, "open directory node: the bytes are a file node"},
		{"commit as dir", func() error { _, err := OpenNode(k, commit); return err }, "open directory node: the bytes are a commit record"},
		{"commit as file", func() error { _, err := OpenFileNode(k, commit); return err }, "open file node: the bytes are a commit record"},
	} {
		err := tc.open()
		if !errors.Is(err, ErrKind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrKind %q", tc.name, err, tc.want)
		}
	}
}

// checkSameNode compares two nodes and names the first differing entry.
func checkSameNode(t *testing.T, got, want Node) {
	t.Helper()
	if len(got.Entries) != len(want.Entries) {
		t.Fatalf("%d entries, want %d", len(got.Entries), len(want.Entries))
	}
	for i := range got.Entries {
		if !reflect.DeepEqual(got.Entries[i], want.Entries[i]) {
			g, w := fmt.Sprintf("%+v", got.Entries[i]), fmt.Sprintf("%+v", want.Entries[i])
			t.Fatalf("entry %d differs:\n got %.600s\nwant %.600s", i, g, w)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("nodes differ")
	}
}

// withType turns an entry into a plain regular file (for file nodes).
func (e Entry) withType() Entry {
	return Entry{Name: e.Name, Type: index.TypeFile, Mode: e.Mode}
}

// TestSealNodeRefuses: SealNode refuses what OpenNode would reject.
func TestSealNodeRefuses(t *testing.T) {
	okDir := func(name string) Entry {
		return Entry{Name: name, Type: index.TypeDir, Child: Loc{Blob: testBlob(1), Len: 100}, ChildKey: testKey(1)}
	}
	file := func(c ...Chunk) Entry {
		return Entry{Name: "f", Type: index.TypeFile, Size: 1 << 20, ChunkSize: 1 << 16, Chunks: c}
	}
	sc := func(idx, l uint64) Chunk {
		return Chunk{Index: idx, Len: l, Blob: testBlob(1), Length: uint64(seal.SealedSize(1 << 16)), Key: testKey(2)}
	}
	for _, tc := range []struct {
		name string
		e    []Entry
		want string
	}{
		{"unsorted", []Entry{okDir("b"), okDir("a")}, "must be sorted"},
		{"duplicate", []Entry{okDir("a"), okDir("a")}, "must be sorted"},
		{"empty name", []Entry{okDir("")}, "name empty"},
		{"long name", []Entry{okDir(strings.Repeat("x", 256))}, "name empty or longer"},
		{"slash", []Entry{okDir("a/b")}, "slash"},
		{"nul", []Entry{okDir("a\x00")}, "slash or a NUL"},
		{"dot", []Entry{okDir(".")}, "is . or .."},
		{"dotdot", []Entry{okDir("..")}, "is . or .."},
		{"type 0", []Entry{{Name: "a"}}, "unknown type 0"},
		{"type 8", []Entry{{Name: "a", Type: 8}}, "unknown type 8"},
		{"mode", []Entry{{Name: "a", Type: index.TypeFIFO, Mode: 0o10000}}, "beyond 07777"},
		{"xattr unsorted", []Entry{{Name: "a", Type: index.TypeFIFO, Xattrs: []Xattr{{Name: "b"}, {Name: "a"}}}}, "extended attribute \"a\": not after"},
		{"xattr dup", []Entry{{Name: "a", Type: index.TypeFIFO, Xattrs: []Xattr{{Name: "b"}, {Name: "b"}}}}, "not after"},
		{"xattr empty name", []Entry{{Name: "a", Type: index.TypeFIFO, Xattrs: []Xattr{{}}}}, "name empty"},
		{"xattr big value", []Entry{{Name: "a", Type: index.TypeFIFO, Xattrs: []Xattr{{Name: "a", Value: make([]byte, MaxXattrValueLen+1)}}}}, "value of 65537 bytes"},
		{"rdev on file", []Entry{{Name: "a", Type: index.TypeFile, Rdev: 1}}, "device number on a file"},
		{"target on file", []Entry{{Name: "a", Type: index.TypeFile, Target: "x"}}, "symlink target on a file"},
		{"chunks on dir", []Entry{{Name: "a", Type: index.TypeDir, Chunks: []Chunk{sc(0, 1)}}}, "chunks on a dir"},
		{"link group on symlink", []Entry{{Name: "a", Type: index.TypeSymlink, Target: "x", LinkGroup: 1}}, "link group"},
		{"child on file", []Entry{{Name: "a", Type: index.TypeFile, ChildKey: testKey(1)}}, "child node or key on a file"},
		{"dir zero key", []Entry{{Name: "a", Type: index.TypeDir, Child: Loc{Blob: testBlob(1), Len: 100}}}, "zero child key"},
		{"dir short child", []Entry{{Name: "a", Type: index.TypeDir, Child: Loc{Blob: testBlob(1), Len: 39}, ChildKey: testKey(1)}}, "length outside"},
		{"symlink empty", []Entry{{Name: "a", Type: index.TypeSymlink}}, "symlink target empty"},
		{"symlink long", []Entry{{Name: "a", Type: index.TypeSymlink, Target: strings.Repeat("x", 4096)}}, "symlink target empty, longer"},
		{"chunk order", []Entry{file(sc(1, 10), sc(1, 10))}, "index 1 not after 1"},
		{"chunk len 0", []Entry{file(sc(0, 0))}, "length 0 outside"},
		{"chunk len > chunk size", []Entry{file(sc(0, 1<<16+1))}, "outside [1, chunk size"},
		{"chunk beyond size", []Entry{file(sc(16, 1))}, "ends beyond the file size"},
		{"chunk zero key", []Entry{file(Chunk{Len: 1, Blob: testBlob(1), Length: 17})}, "zero key"},
		{"chunk bad sealed length", []Entry{file(Chunk{Len: 1, Blob: testBlob(1), Length: 5, Key: testKey(1)})}, "not a sealed length"},
		{"chunk len > sealed", []Entry{file(Chunk{Len: 2, Blob: testBlob(1), Length: 17, Key: testKey(1)})}, "beyond its sealed extent of 1"},
		{"plain with key", []Entry{file(Chunk{Len: 1, Blob: testBlob(1), Length: 1, Key: testKey(1), Plain: true})}, "plain extent with a key"},
		{"plain len > length", []Entry{file(Chunk{Len: 2, Blob: testBlob(1), Length: 1, Plain: true})}, "beyond its 1-byte plain extent"},
		{"extent beyond 2^62", []Entry{file(Chunk{Len: 1, Blob: testBlob(1), Off: 1 << 62, Length: 17, Key: testKey(1)})}, "beyond 2^62"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SealNode(testKey(1), Node{Entries: tc.e})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalid with %q", err, tc.want)
			}
			// The decoder rejects the same body, with the same message.
			body, err := encodeNode(Node{Entries: tc.e}, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeNode(body); err == nil {
				// Some fields are not encoded for the type (lost, hence refused
				// by the encoder); the decoder then sees a valid entry.
				if !strings.Contains(tc.name, " on ") && tc.name != "plain with key" {
					t.Fatal("decoder accepted what the encoder refuses")
				}
			} else if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decoder: %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestDecodeRejects covers what only a hand-made body can hold.
func TestDecodeRejects(t *testing.T) {
	valid, err := encodeNode(sampleNode(), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeNode(valid); err != nil {
		t.Fatal(err)
	}
	// Every truncation fails.
	for i := range valid {
		if _, err := decodeNode(valid[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("body truncated to %d of %d bytes: %v", i, len(valid), err)
		}
	}
	id := testBlob(1)
	fifo := func(e *encoder, name string) { // a minimal FIFO entry
		e.str(name)
		e.byte1(byte(index.TypeFIFO))
		for range 4 {
			e.uvarint(0)
		}
		encodeTimes(e, 0, 0, 0)
		e.uvarint(0)
	}
	build := func(f func(e *encoder)) []byte { var e encoder; f(&e); return e.b }
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"trailing byte", append(bytes.Clone(valid), 0), "trailing bytes"},
		{"empty", nil, "truncated"},
		{"non-minimal count", []byte{0x80, 0x00, 0x00}, "not minimally encoded"},
		{"overflowing integer", append(bytes.Repeat([]byte{0xff}, 10), 0x01), "overflows 64 bits"},
		{"huge blob count", build(func(e *encoder) { e.uvarint(1 << 40) }), "blob IDs cannot fit"},
		{"huge entry count", build(func(e *encoder) { e.uvarint(0); e.uvarint(1000) }), "entries cannot fit"},
		{"duplicate blob", build(func(e *encoder) { e.uvarint(2); e.blob(id); e.blob(id); e.uvarint(0) }), "twice"},
		{"unused blob", build(func(e *encoder) { e.uvarint(1); e.blob(id); e.uvarint(0) }), "never used"},
		{"uid beyond 32 bits", build(func(e *encoder) {
			e.uvarint(0)
			e.uvarint(1)
			e.str("a")
			e.byte1(byte(index.TypeFIFO))
			e.uvarint(0)
			e.uvarint(1 << 32)
			e.raw(make([]byte, 20))
		}), "uid 4294967296 does not fit"},
		{"unsorted", build(func(e *encoder) { e.uvarint(0); e.uvarint(2); fifo(e, "b"); fifo(e, "a") }), "must be sorted"},
		{"duplicate", build(func(e *encoder) { e.uvarint(0); e.uvarint(2); fifo(e, "a"); fifo(e, "a") }), "must be sorted"},
		{"long name", build(func(e *encoder) { e.uvarint(0); e.uvarint(1); fifo(e, strings.Repeat("a", 256)) }), "name of 256 bytes"},
		{"blob ref out of order", build(func(e *encoder) {
			e.uvarint(2)
			e.blob(testBlob(1))
			e.blob(testBlob(2))
			e.uvarint(1)
			e.str("d")
			e.byte1(byte(index.TypeDir))
			for range 4 {
				e.uvarint(0)
			}
			encodeTimes(e, 0, 0, 0)
			e.uvarint(0)
			e.uvarint(1) // refers to the second blob first
			e.uvarint(0)
			e.uvarint(100)
			e.key(testKey(1))
		}), "not in first-use order"},
		{"chunk flags", build(func(e *encoder) {
			e.uvarint(1)
			e.blob(id)
			e.uvarint(1)
			e.str("f")
			e.byte1(byte(index.TypeFile))
			e.uvarint(0)
			e.uvarint(0)
			e.uvarint(0)
			e.uvarint(10)
			encodeTimes(e, 0, 0, 0)
			e.uvarint(0)
			e.uvarint(0)  // link group
			e.uvarint(10) // chunk size
			e.uvarint(1)
			e.uvarint(0)
			e.uvarint(10)
			e.byte1(2) // neither sealed nor plain
			e.uvarint(0)
			e.uvarint(0)
			e.uvarint(10)
		}), "chunk flags 0x2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeNode(tc.body)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrCorrupt with %q", err, tc.want)
			}
		})
	}
	// The same holds through the compressed, sealed path.
	comp, err := deflate(build(func(e *encoder) { e.uvarint(0); e.uvarint(2); fifo(e, "b"); fifo(e, "a") }))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealRecord(testKey(1), kindDir, comp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenNode(testKey(1), sealed); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "open directory node: entry 1") {
		t.Fatalf("sealed unsorted node: %v", err)
	}
	// Not DEFLATE, and DEFLATE followed by garbage.
	for _, comp := range [][]byte{{0xff, 0xff, 0xff}, append(bytes.Clone(comp), 0)} {
		sealed, _ := sealRecord(testKey(1), kindDir, comp)
		if _, err := OpenNode(testKey(1), sealed); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("bad compressed stream: %v", err)
		}
	}
}

// TestInflateBomb: a small stream that inflates beyond the limit is
// rejected after reading one byte more than the limit (a small limit
// stands for MaxNodeSize, to keep the test light).
func TestInflateBomb(t *testing.T) {
	const limit = 1 << 20
	comp, err := deflate(make([]byte, 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inflate(comp, limit); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "more than 1048576") {
		t.Fatalf("inflate of %d bytes: %v", len(comp), err)
	}
	exact, _ := deflate(make([]byte, limit))
	if body, err := inflate(exact, limit); err != nil || len(body) != limit {
		t.Fatalf("inflate of exactly the limit: %d bytes, %v", len(body), err)
	}
}

// TestKeysNeverPrinted: no formatting of entries, chunks, keys, shares or
// recovery records shows key bytes.
func TestKeysNeverPrinted(t *testing.T) {
	n := sampleNode()
	share := Share{Network: "testnet", Node: Loc{Blob: testBlob(1), Len: 100}, Key: testKey(1)}
	rec := Recovery{Volume: [16]byte{1}, Network: "testnet", Commit: Loc{Blob: testBlob(1), Len: 100}, Master: testKey(2)}
	keys := DeriveKeys(testKey(3))
	var forbidden []string
	for _, k := range []seal.Key{testKey(1), testKey(2), testKey(9), keys.Read, keys.Commit, keys.Root} {
		forbidden = append(forbidden, fmt.Sprintf("%x", k[:]), fmt.Sprint(k[:])[1:20], fmt.Sprintf("%#v", k[:])[7:30])
	}
	var out strings.Builder
	for _, v := range []any{n, n.Entries[2], n.Entries[5].Chunks[0], rec, &rec, keys} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			fmt.Fprintf(&out, f+"\n", v)
		}
	}
	fmt.Fprintf(&out, "%#v %+v\n", share, []any{share}) // GoString, and nested
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "share", share, "rec", rec, "entry", n.Entries[2], "keys", keys)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "share", share, "rec", rec, "entry", n.Entries[2], "keys", keys)
	out.Write(buf.Bytes())
	s := out.String()
	for _, f := range forbidden {
		if strings.Contains(s, f) {
			t.Fatalf("key bytes %q printed in:\n%s", f, s)
		}
	}
	if !strings.Contains(s, "seal.Key(redacted)") {
		t.Fatal("no redaction marker printed: the test prints nothing useful")
	}
	// The share's own String is the capability, on purpose; %#v is not.
	if str := share.String(); !strings.HasPrefix(str, "wfs1-") || strings.Contains(fmt.Sprintf("%#v", share), str) {
		t.Fatalf("Share.String %q / GoString %#v", str, share)
	}
}

func TestDeriveKeys(t *testing.T) {
	m := testKey(7)
	k := DeriveKeys(m)
	r := seal.Derive(m, "tree read v1")
	if k.Read != r || k.Commit != seal.Derive(r, "tree commit v1") || k.Root != seal.Derive(r, "tree root v1") {
		t.Fatal("DeriveKeys does not follow the documented hierarchy")
	}
	if k.Read == k.Commit || k.Commit == k.Root || k.Read == m {
		t.Fatal("derived keys coincide")
	}
	if k2 := DeriveKeys(testKey(8)); k2.Root == k.Root {
		t.Fatal("different masters, same root key")
	}
}

func TestFind(t *testing.T) {
	n := sampleNode()
	for i, e := range n.Entries {
		if j, ok := n.Find(e.Name); !ok || j != i {
			t.Fatalf("Find(%q) = %d, %v; want %d", e.Name, j, ok, i)
		}
	}
	if j, ok := n.Find("c"); ok || j != 1 {
		t.Fatalf("Find(c) = %d, %v", j, ok)
	}
	if _, ok := (Node{}).Find("a"); ok {
		t.Fatal("found in an empty node")
	}
}

// TestEncodingCanonical: the body has exactly one encoding, the same on
// every call.
func TestEncodingCanonical(t *testing.T) {
	a, _ := encodeNode(sampleNode(), true)
	b, _ := encodeNode(sampleNode(), true)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of one node differ")
	}
	// Known prefix: 4 blobs in first-use order (dir's child is the first).
	b1, b2 := testBlob(1), testBlob(2)
	if a[0] != 4 || !bytes.Equal(a[1:33], b2[:]) || !bytes.Equal(a[33:65], b1[:]) {
		t.Fatalf("blob table: % x", a[:70])
	}
}

// TestRelativeChunk: a directory node's chunk with a zero blob ID is
// relative (the blob holding the node): the Reader resolves it; a file
// node refuses one.
func TestRelativeChunk(t *testing.T) {
	e := Entry{Name: "small.jpg", Type: index.TypeFile, Mode: 0o644, Size: 1, ChunkSize: 1 << 16,
		Chunks: []Chunk{{Len: 1, Off: 40, Length: 17, Key: testKey(2)}}}
	sealed, err := SealNode(testKey(1), Node{Entries: []Entry{e}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SealFileNode(testKey(1), e); !errors.Is(err, ErrInvalid) {
		t.Fatalf("file node with a relative chunk: %v", err)
	}
	blob := testBlob(9)
	f := newMemFetcher()
	f.add(blob, make([]byte, 100))
	loc := f.add(blob, sealed)
	n, err := NewReader(f, nil).Node(context.Background(), loc, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Entries[0].Chunks[0].Blob; got != blob {
		t.Fatalf("relative chunk resolved to %s, want %s", got, blob)
	}
}
