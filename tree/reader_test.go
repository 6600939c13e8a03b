package tree

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// testTree is a small volume written into one pack blob of a memFetcher:
//
//	/a/b/deep.txt  /a/x.txt  /empty/  /hl1 /hl2 (one file)  /link -> a/x.txt  /pipe
type testTree struct {
	f                 *memFetcher
	root, a, b, e     Loc
	kRoot, kA, kB, kE seal.Key
	fileChunk         Chunk
}

func buildTestTree(t *testing.T) *testTree {
	t.Helper()
	tt := &testTree{f: newMemFetcher(), kRoot: testKey(10), kA: testKey(11), kB: testKey(12), kE: testKey(13)}
	pack := testBlob(100)
	tt.f.blobs[testBlob(101)] = []byte("file data blob")
	tt.fileChunk = Chunk{Index: 0, Len: 4, Blob: testBlob(101), Off: 5, Length: 4, Plain: true}
	file := func(name string, lg uint64) Entry {
		return Entry{Name: name, Type: index.TypeFile, Mode: 0o644, Size: 4, LinkGroup: lg, ChunkSize: 1 << 20,
			Chunks: []Chunk{tt.fileChunk}}
	}
	dir := func(name string, loc Loc, k seal.Key) Entry {
		return Entry{Name: name, Type: index.TypeDir, Mode: 0o755, Child: loc, ChildKey: k}
	}
	tt.b = tt.f.add(pack, mustSealNode(t, tt.kB, Node{Entries: []Entry{file("deep.txt", 0)}}))
	tt.a = tt.f.add(pack, mustSealNode(t, tt.kA, Node{Entries: []Entry{dir("b", tt.b, tt.kB), file("x.txt", 0)}}))
	tt.e = tt.f.add(pack, mustSealNode(t, tt.kE, Node{}))
	tt.root = tt.f.add(pack, mustSealNode(t, tt.kRoot, Node{Entries: []Entry{
		dir("a", tt.a, tt.kA), dir("empty", tt.e, tt.kE), file("hl1", 9), file("hl2", 9),
		{Name: "link", Type: index.TypeSymlink, Mode: 0o777, Size: 7, Target: "a/x.txt"},
		{Name: "pipe", Type: index.TypeFIFO, Mode: 0o600},
	}}))
	return tt
}

func walkPaths(t *testing.T, r *Reader, loc Loc, k seal.Key, stop func(string, Entry) error) ([]string, error) {
	t.Helper()
	var got []string
	err := r.Walk(context.Background(), loc, k, func(p string, e Entry) error {
		got = append(got, p)
		if stop != nil {
			return stop(p, e)
		}
		return nil
	})
	return got, err
}

func TestWalk(t *testing.T) {
	tt := buildTestTree(t)
	r := NewReader(tt.f, nil)
	all := []string{"a", "a/b", "a/b/deep.txt", "a/x.txt", "empty", "hl1", "hl2", "link", "pipe"}
	got, err := walkPaths(t, r, tt.root, tt.kRoot, nil)
	if err != nil || !slices.Equal(got, all) {
		t.Fatalf("Walk = %q, %v; want %q", got, err, all)
	}
	// A share of /a sees /a's subtree only.
	got, err = walkPaths(t, r, tt.a, tt.kA, nil)
	if want := []string{"b", "b/deep.txt", "x.txt"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Walk(/a) = %q, %v; want %q", got, err, want)
	}
	// Hard links: both names carry the same group.
	var groups []uint64
	_, _ = walkPaths(t, r, tt.root, tt.kRoot, func(p string, e Entry) error {
		if strings.HasPrefix(p, "hl") {
			groups = append(groups, e.LinkGroup)
		}
		return nil
	})
	if len(groups) != 2 || groups[0] != 9 || groups[1] != 9 {
		t.Fatalf("link groups %v", groups)
	}
	for _, tc := range []struct {
		name string
		stop func(string, Entry) error
		want []string
		err  error
	}{
		{"skip dir a", func(p string, e Entry) error {
			if p == "a" {
				return fs.SkipDir
			}
			return nil
		}, []string{"a", "empty", "hl1", "hl2", "link", "pipe"}, nil},
		{"skip rest of a/ from a file", func(p string, e Entry) error {
			if p == "a/b/deep.txt" {
				return fs.SkipDir
			}
			return nil
		}, []string{"a", "a/b", "a/b/deep.txt", "a/x.txt", "empty", "hl1", "hl2", "link", "pipe"}, nil},
		{"skip all", func(p string, e Entry) error {
			if p == "a/b" {
				return fs.SkipAll
			}
			return nil
		}, []string{"a", "a/b"}, nil},
		{"error", func(p string, e Entry) error {
			if p == "hl1" {
				return errBoom
			}
			return nil
		}, []string{"a", "a/b", "a/b/deep.txt", "a/x.txt", "empty", "hl1"}, errBoom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := walkPaths(t, r, tt.root, tt.kRoot, tc.stop)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("Walk = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
	// A wrong key below the root: the walk stops with an error naming the
	// directory.
	bad := buildTestTree(t)
	_, err = walkPaths(t, NewReader(bad.f, nil), bad.a, bad.kB, nil)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("walk with a wrong key: %v", err)
	}
}

var errBoom = errors.New("boom")

func TestLookup(t *testing.T) {
	tt := buildTestTree(t)
	r := NewReader(tt.f, nil)
	ctx := context.Background()
	for _, p := range []string{"a/b/deep.txt", "/a/x.txt", "a", "link", "hl2"} {
		e, err := r.Lookup(ctx, tt.root, tt.kRoot, p)
		if err != nil || e.Name != p[strings.LastIndexByte(p, '/')+1:] {
			t.Fatalf("Lookup(%q) = %+v, %v", p, e, err)
		}
	}
	e, _ := r.Lookup(ctx, tt.root, tt.kRoot, "a/b/deep.txt")
	if !reflect.DeepEqual(e.Chunks, []Chunk{tt.fileChunk}) {
		t.Fatalf("deep.txt chunks %+v", e.Chunks)
	}
	data, err := ReadChunk(ctx, tt.f, e.Chunks[0], 0, 100)
	if err != nil || string(data) != "data" {
		t.Fatalf("ReadChunk of deep.txt = %q, %v", data, err)
	}
	for _, tc := range []struct {
		path string
		want error
		msg  string
	}{
		{"nope", ErrNotFound, `"nope": no such entry`},
		{"a/b/nope", ErrNotFound, `"a/b/nope": no such entry`},
		{"link/x", ErrNotDir, `"link" is a symlink`},
		{"hl1/x", ErrNotDir, `"hl1" is a file`},
		{"", ErrInvalid, "empty"},
		{"a//b", ErrInvalid, "empty, . or .."},
		{"a/../a", ErrInvalid, "empty, . or .."},
		{"a/./b", ErrInvalid, "empty, . or .."},
		{"a/", ErrInvalid, "empty"},
	} {
		_, err := r.Lookup(ctx, tt.root, tt.kRoot, tc.path)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Lookup(%q) = %v, want %v with %q", tc.path, err, tc.want, tc.msg)
		}
	}
	// Wrong key, fetch errors, short answers, cancellation.
	if _, err := r.Lookup(ctx, tt.root, tt.kA, "a"); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), tt.root.String()) {
		t.Fatalf("wrong root key: %v", err)
	}
	missing := Loc{Blob: testBlob(999), Len: 100}
	if _, err := r.Node(ctx, missing, tt.kRoot); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing blob: %v", err)
	}
	if _, err := NewReader(shortFetcher{tt.f}, nil).Node(ctx, tt.root, tt.kRoot); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short fetch: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewReader(tt.f, nil).Lookup(cctx, tt.root, tt.kRoot, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := r.Node(ctx, Loc{Blob: testBlob(1), Len: 5}, tt.kRoot); !errors.Is(err, ErrInvalid) {
		t.Fatalf("impossible location: %v", err)
	}
}

type shortFetcher struct{ f Fetcher }

func (s shortFetcher) ReadAt(ctx context.Context, b blobid.ID, off, n int64) ([]byte, error) {
	d, err := s.f.ReadAt(ctx, b, off, n)
	if len(d) > 0 {
		d = d[:len(d)-1]
	}
	return d, err
}

func TestReaderCache(t *testing.T) {
	tt := buildTestTree(t)
	ctx := context.Background()
	r := NewReader(tt.f, nil)
	if _, err := r.Lookup(ctx, tt.root, tt.kRoot, "a/b/deep.txt"); err != nil {
		t.Fatal(err)
	}
	if n, _ := tt.f.counts(); n != 3 {
		t.Fatalf("first lookup: %d reads, want 3", n)
	}
	if _, err := r.Lookup(ctx, tt.root, tt.kRoot, "a/b/deep.txt"); err != nil {
		t.Fatal(err)
	}
	if n, _ := tt.f.counts(); n != 3 {
		t.Fatalf("second lookup: %d reads in all, want 3 (cached)", n)
	}
	// The cache never serves a node to a caller with another key.
	if _, err := r.Node(ctx, tt.a, tt.kB); !errors.Is(err, ErrAuth) {
		t.Fatalf("cached node, wrong key: %v", err)
	}
	if _, err := r.FileNode(ctx, tt.a, tt.kA); !errors.Is(err, ErrKind) {
		t.Fatalf("cached dir node read as a file node: %v", err)
	}
	if nodes, cost := r.cacheLen(); nodes != 3 || cost != 6+2+1 {
		t.Fatalf("cache holds %d nodes of cost %d, want 3 of 9", nodes, cost)
	}

	// Bounded: 2 entries. /a (2 entries) fits alone; /a/b (1) evicts it.
	f2 := buildTestTree(t)
	small := NewReader(f2.f, &ReaderOptions{CacheEntries: 2})
	reads := func() int { n, _ := f2.f.counts(); return n }
	mustNode := func(loc Loc, k seal.Key) {
		t.Helper()
		if _, err := small.Node(ctx, loc, k); err != nil {
			t.Fatal(err)
		}
	}
	mustNode(f2.a, f2.kA)
	mustNode(f2.a, f2.kA)
	if reads() != 1 {
		t.Fatalf("%d reads, want 1", reads())
	}
	mustNode(f2.b, f2.kB) // evicts /a
	mustNode(f2.b, f2.kB)
	if reads() != 2 {
		t.Fatalf("%d reads, want 2", reads())
	}
	mustNode(f2.a, f2.kA)
	if reads() != 3 {
		t.Fatalf("%d reads after eviction, want 3", reads())
	}
	if nodes, cost := small.cacheLen(); nodes != 1 || cost != 2 {
		t.Fatalf("small cache holds %d nodes of cost %d", nodes, cost)
	}
	mustNode(f2.root, f2.kRoot) // 6 entries: never cached
	mustNode(f2.root, f2.kRoot)
	if reads() != 5 {
		t.Fatalf("%d reads, want 5 (a node above the bound is not cached)", reads())
	}
	// Disabled.
	off := NewReader(f2.f, &ReaderOptions{CacheEntries: -1})
	for range 2 {
		if _, err := off.Node(ctx, f2.e, f2.kE); err != nil {
			t.Fatal(err)
		}
	}
	if reads() != 7 {
		t.Fatalf("%d reads, want 7 (no cache)", reads())
	}

	// Concurrent use (run with -race).
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				p := []string{"a/b/deep.txt", "a/x.txt", "pipe", "empty"}[(i+j)%4]
				if _, err := small.Lookup(ctx, f2.root, f2.kRoot, p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestWalkCycle: a directory whose entry points back at its own node is
// refused, not walked forever.
func TestWalkCycle(t *testing.T) {
	f := newMemFetcher()
	k := testKey(20)
	pack := testBlob(200)
	f.blobs[pack] = []byte("header")
	// The node must contain its own location, length included: iterate to
	// the fixed point (the sealed length does not depend on the nonce).
	self := Loc{Blob: pack, Off: 6, Len: 100}
	var sealed []byte
	for range 10 {
		sealed = mustSealNode(t, k, Node{Entries: []Entry{{Name: "loop", Type: index.TypeDir, Child: self, ChildKey: k}}})
		if uint64(len(sealed)) == self.Len {
			break
		}
		self.Len = uint64(len(sealed))
	}
	if loc := f.add(pack, sealed); loc != self {
		t.Fatalf("no fixed point: %v vs %v", loc, self)
	}
	got, err := walkPaths(t, NewReader(f, nil), self, k, nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "its own ancestor") || !slices.Equal(got, []string{"loop"}) {
		t.Fatalf("Walk of a cycle = %q, %v", got, err)
	}
	// Lookup follows the loop as far as asked (a finite path), no further.
	if e, err := NewReader(f, nil).Lookup(context.Background(), self, k, "loop/loop/loop"); err != nil || e.Name != "loop" {
		t.Fatalf("Lookup in a cycle: %v", err)
	}
}

func TestReaderFileNodeAndCommit(t *testing.T) {
	f := newMemFetcher()
	ctx := context.Background()
	e := Entry{Name: "shared.bin", Type: index.TypeFile, Mode: 0o644, Size: 4, ChunkSize: 1 << 20,
		Chunks: []Chunk{{Len: 4, Blob: testBlob(1), Length: 20, Key: testKey(1)}}}
	sealed, err := SealFileNode(testKey(30), e)
	if err != nil {
		t.Fatal(err)
	}
	loc := f.add(testBlob(300), sealed)
	r := NewReader(f, nil)
	got, err := r.FileNode(ctx, loc, testKey(30))
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("FileNode = %+v, %v", got, err)
	}
	if _, err := r.Node(ctx, loc, testKey(30)); !errors.Is(err, ErrKind) {
		t.Fatalf("file node as a directory: %v", err)
	}
	keys := DeriveKeys(testKey(31))
	c := sampleCommit()
	cs, err := SealCommit(keys.Commit, c)
	if err != nil {
		t.Fatal(err)
	}
	cl := f.add(testBlob(300), cs)
	gotC, err := r.Commit(ctx, cl, keys.Commit)
	if err != nil || !reflect.DeepEqual(gotC, c) {
		t.Fatalf("Commit = %+v, %v", gotC, err)
	}
	if _, err := r.Commit(ctx, cl, keys.Root); !errors.Is(err, ErrAuth) {
		t.Fatalf("commit, wrong key: %v", err)
	}
}

// TestReadChunk reads ranges across segment edges of a sealed chunk (and a
// truncated one) and compares them with the plaintext and with seal.
func TestReadChunk(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	plain := make([]byte, 3*seal.SegmentSize+1234)
	for i := range plain {
		plain[i] = byte(r.Uint32())
	}
	k := testKey(40)
	sealed := seal.Seal(nil, k, plain)
	f := newMemFetcher()
	blob := testBlob(400)
	f.blobs[blob] = append(append([]byte("junk before"), sealed...), "junk after"...)
	full := Chunk{Index: 3, Len: uint64(len(plain)), Blob: blob, Off: 11, Length: uint64(len(sealed)), Key: k}
	trunc := full
	trunc.Len = 2*seal.SegmentSize + 5 // a truncated file: the extent is longer than the chunk
	f.blobs[testBlob(401)] = append([]byte("xx"), plain...)
	plainChunk := Chunk{Len: uint64(len(plain)) - 10, Blob: testBlob(401), Off: 2, Length: uint64(len(plain)), Plain: true}
	const S = seal.SegmentSize
	offs := []int64{0, 1, S - 1, S, S + 1, 2*S - 1, 2 * S, 2*S + 4, 2*S + 5, 3*S - 1, 3 * S, 3*S + 1233, 3*S + 1234, 1 << 30}
	ns := []int64{0, 1, 2, 100, S - 1, S, S + 1, 2 * S, 1 << 30}
	for _, c := range []Chunk{full, trunc, plainChunk} {
		for _, off := range offs {
			for _, n := range ns {
				before, _ := f.counts()
				_, bytesBefore := f.counts()
				got, err := ReadChunk(ctx, f, c, off, n)
				if err != nil {
					t.Fatalf("ReadChunk(len %d, %d, %d): %v", c.Len, off, n, err)
				}
				lo, hi := min(off, int64(c.Len)), min(off+n, int64(c.Len))
				if !bytes.Equal(got, plain[lo:hi]) {
					t.Fatalf("ReadChunk(len %d, %d, %d): %d bytes, wrong (want [%d, %d))", c.Len, off, n, len(got), lo, hi)
				}
				after, bytesAfter := f.counts()
				if lo == hi && after != before {
					t.Fatalf("ReadChunk of an empty range fetched")
				}
				// Only the segments holding the range are fetched.
				if !c.Plain && lo < hi {
					segs := (hi-1)/S - lo/S + 1
					if fetched := bytesAfter - bytesBefore; fetched > segs*(S+seal.TagSize) {
						t.Fatalf("ReadChunk(%d, %d) fetched %d bytes for %d segments", off, n, fetched, segs)
					}
				}
			}
		}
	}
	// A flipped ciphertext byte in segment 1 fails reads that touch it only.
	f.blobs[blob][11+S+seal.TagSize+7] ^= 1
	if _, err := ReadChunk(ctx, f, full, S+5, 10); !errors.Is(err, seal.ErrAuth) {
		t.Fatalf("tampered segment: %v", err)
	}
	if _, err := ReadChunk(ctx, f, full, 0, 10); err != nil {
		t.Fatalf("untouched segment: %v", err)
	}
	for _, tc := range []struct {
		name   string
		c      Chunk
		off, n int64
		want   error
	}{
		{"negative offset", full, -1, 1, ErrInvalid},
		{"negative length", full, 0, -1, ErrInvalid},
		{"zero key", Chunk{Len: 1, Blob: blob, Length: 17}, 0, 1, ErrInvalid},
		{"not a sealed length", Chunk{Len: 1, Blob: blob, Length: 5, Key: k}, 0, 1, seal.ErrInvalid},
		{"len beyond extent", Chunk{Len: 10, Blob: blob, Length: 20, Key: k}, 0, 1, ErrInvalid},
		{"plain len beyond extent", Chunk{Len: 10, Blob: blob, Length: 5, Plain: true}, 0, 1, ErrInvalid},
		{"extent beyond 2^62", Chunk{Len: 1, Blob: blob, Off: 1 << 62, Length: 17, Key: k}, 0, 1, ErrInvalid},
	} {
		if _, err := ReadChunk(ctx, f, tc.c, tc.off, tc.n); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestRelativeLocations: a child location and a commit's root with a zero
// blob ID name the blob that holds the record; the reader resolves them,
// so a commit's nodes can be written in one blob with the commit.
func TestRelativeLocations(t *testing.T) {
	ctx := t.Context()
	m := newMemFetcher()
	keys := DeriveKeys(testKey(9))
	id := testBlob(42)
	sub := Node{Entries: []Entry{{Name: "leaf", Type: index.TypeSymlink, Mode: 0o777, Target: "x"}}}
	subLoc := m.add(id, mustSealNode(t, testKey(5), sub))
	rel := subLoc
	rel.Blob = blobid.ID{}
	root := Node{Entries: []Entry{{Name: "d", Type: index.TypeDir, Mode: 0o755, Child: rel, ChildKey: testKey(5)}}}
	rootLoc := m.add(id, mustSealNode(t, keys.Root, root))
	relRoot := rootLoc
	relRoot.Blob = blobid.ID{}
	c, err := SealCommit(keys.Commit, Commit{Volume: [16]byte{1}, Seq: 1, Time: 1, Root: relRoot})
	if err != nil {
		t.Fatal(err)
	}
	commitLoc := m.add(id, c)
	r := NewReader(m, nil)
	got, err := r.Commit(ctx, commitLoc, keys.Commit)
	if err != nil || got.Root != rootLoc {
		t.Fatalf("commit root = %v, %v; want %v", got.Root, err, rootLoc)
	}
	var paths []string
	if err := r.Walk(ctx, got.Root, keys.Root, func(p string, e Entry) error {
		paths = append(paths, p)
		if e.Type == index.TypeDir && e.Child != subLoc {
			t.Fatalf("child %v, want %v", e.Child, subLoc)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || paths[1] != "d/leaf" {
		t.Fatalf("walk: %v", paths)
	}
}
