package tree

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// testKey returns a fixed non-zero key.
func testKey(b byte) seal.Key {
	var k seal.Key
	for i := range k {
		k[i] = b + byte(i)*7 + 1
	}
	return k
}

// testBlob returns a fixed non-zero blob ID.
func testBlob(i int) blobid.ID {
	return sha256.Sum256(binary.BigEndian.AppendUint64([]byte("blob"), uint64(i)))
}

func randKey(r *rand.Rand) seal.Key {
	var k seal.Key
	for i := range k {
		k[i] = byte(r.Uint32())
	}
	k[0] |= 1
	return k
}

// sampleNode is a directory with one entry of every type and every
// optional feature: xattrs, a hard-link group, holes, plain and sealed
// chunks, a truncated sealed chunk, negative times.
func sampleNode() Node {
	sealedLen := uint64(seal.SealedSize(100_000))
	return Node{Entries: []Entry{
		{Name: "blk", Type: index.TypeBlockDev, Mode: 0o660, Gid: 6, Rdev: 8<<8 | 1, Atime: 1, Mtime: 2, Ctime: 3},
		{Name: "chr", Type: index.TypeCharDev, Mode: 0o666, Rdev: 1<<8 | 3},
		{Name: "dir", Type: index.TypeDir, Mode: 0o755, Uid: 1000, Gid: 1000, Size: 3, Mtime: 1_700_000_000_123_456_789,
			Atime: 1_700_000_100_000_000_000, Ctime: 1_700_000_000_123_456_789,
			Xattrs: []Xattr{{Name: "user.a", Value: []byte("x")}, {Name: "user.b"}},
			Child:  Loc{Blob: testBlob(2), Off: 4096, Len: 300}, ChildKey: testKey(9)},
		{Name: "empty", Type: index.TypeFile, Mode: 0o600, ChunkSize: 1 << 20},
		{Name: "fifo", Type: index.TypeFIFO, Mode: 0o644, Atime: -5, Mtime: -1 << 62, Ctime: 1<<63 - 1},
		{Name: "link1", Type: index.TypeFile, Mode: 0o644, Size: 300_000, LinkGroup: 7, ChunkSize: 100_000,
			Xattrs: []Xattr{{Name: "security.selinux", Value: []byte("system_u:object_r:user_home_t:s0\x00")}},
			Chunks: []Chunk{
				{Index: 0, Len: 100_000, Blob: testBlob(1), Off: 0, Length: sealedLen, Key: testKey(1)},
				{Index: 2, Len: 99_000, Blob: testBlob(3), Off: 77, Length: sealedLen, Key: testKey(2)}, // truncated, after a hole
			}},
		{Name: "link2", Type: index.TypeFile, Mode: 0o644, Size: 300_000, LinkGroup: 7, ChunkSize: 100_000,
			Chunks: []Chunk{
				{Index: 0, Len: 100_000, Blob: testBlob(1), Off: 0, Length: sealedLen, Key: testKey(1)},
				{Index: 2, Len: 99_000, Blob: testBlob(3), Off: 77, Length: sealedLen, Key: testKey(2)},
			}},
		{Name: "plain", Type: index.TypeFile, Mode: 0o644, Size: 10, ChunkSize: 4 << 20,
			Chunks: []Chunk{{Index: 0, Len: 10, Blob: testBlob(4), Off: 1 << 40, Length: 12, Plain: true}}},
		{Name: "sock", Type: index.TypeSocket, Mode: 0o777},
		{Name: "sym", Type: index.TypeSymlink, Mode: 0o777, Size: 10, Target: "../dir/x y"},
		{Name: "\xff-not-utf8 ünïcødé", Type: index.TypeFile, Mode: 0o4755},
	}}
}

// randomNode returns a node of n regular files with one sealed chunk each,
// realistic names, times and pack layout (see synthName).
func randomNode(r *rand.Rand, n int) Node {
	names := make(map[string]bool, n)
	var list []string
	for len(list) < n {
		s := synthName(r)
		if !names[s] {
			names[s] = true
			list = append(list, s)
		}
	}
	slices.Sort(list) // Go compares strings in byte order, as the format requires
	node := Node{Entries: make([]Entry, n)}
	base := int64(1_700_000_000_000_000_000)
	pack, off := 0, uint64(0)
	for i, name := range list {
		size := uint64(r.ExpFloat64()*13_000) + 1
		mtime := base + r.Int64N(365*24*3600*1e9)
		sealed := uint64(seal.SealedSize(int64(size)))
		if off+sealed > 16<<20 { // a new 16 MiB pack
			pack, off = pack+1, 0
		}
		node.Entries[i] = Entry{Name: name, Type: index.TypeFile, Mode: 0o644, Uid: 1000, Gid: 1000, Size: size,
			Mtime: mtime, Ctime: mtime + r.Int64N(1000), Atime: mtime + r.Int64N(30*24*3600*1e9), ChunkSize: 4 << 20,
			Chunks: []Chunk{{Index: 0, Len: size, Blob: testBlob(1000 + pack), Off: off, Length: sealed, Key: randKey(r)}}}
		off += sealed
	}
	return node
}

var (
	nameWords = []string{"report", "final", "draft", "notes", "meeting", "budget", "photo", "invoice", "config",
		"main", "index", "README", "test", "data", "backup", "summary", "plan", "design", "todo", "log", "page",
		"chapter", "slides", "thesis", "scan", "export", "results", "paper", "letter", "contract"}
	nameExts = []string{".txt", ".pdf", ".jpg", ".png", ".go", ".md", ".docx", ".xlsx", ".json", ".csv", ".mp3",
		".html", ".js", ".py", ".c", ".h", ".log", ".zip", ""}
)

// synthName returns a realistic file name: camera files, dated documents,
// word combinations with versions, source files.
func synthName(r *rand.Rand) string {
	w := func() string { return nameWords[r.IntN(len(nameWords))] }
	ext := nameExts[r.IntN(len(nameExts))]
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("IMG_%04d%02d%02d_%06d.jpg", 2018+r.IntN(8), 1+r.IntN(12), 1+r.IntN(28), r.IntN(240000))
	case 1:
		return fmt.Sprintf("%s-%d-%02d-%02d%s", w(), 2018+r.IntN(8), 1+r.IntN(12), 1+r.IntN(28), ext)
	case 2:
		return fmt.Sprintf("%s_%s_v%d%s", w(), w(), 1+r.IntN(9), ext)
	case 3:
		return fmt.Sprintf("%s%d%s", w(), r.IntN(1000), ext)
	}
	return fmt.Sprintf("%s %s (%d)%s", w(), w(), r.IntN(20), ext)
}

// memFetcher is an in-memory Fetcher: a map of blobs, counting reads.
type memFetcher struct {
	mu    sync.Mutex
	blobs map[blobid.ID][]byte
	reads int
	bytes int64
}

func newMemFetcher() *memFetcher { return &memFetcher{blobs: map[blobid.ID][]byte{}} }

func (m *memFetcher) ReadAt(ctx context.Context, blob blobid.ID, off, n int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[blob]
	if !ok {
		return nil, fmt.Errorf("blob %s: not found", blob)
	}
	if off < 0 || n < 0 || off > int64(len(b)) || n > int64(len(b))-off {
		return nil, fmt.Errorf("blob %s: range %d+%d outside %d bytes", blob, off, n, len(b))
	}
	m.reads++
	m.bytes += n
	return append([]byte(nil), b[off:off+n]...), nil
}

// add appends sealed bytes to blob id and returns their location.
func (m *memFetcher) add(id blobid.ID, sealed []byte) Loc {
	m.mu.Lock()
	defer m.mu.Unlock()
	off := len(m.blobs[id])
	m.blobs[id] = append(m.blobs[id], sealed...)
	return Loc{Blob: id, Off: uint64(off), Len: uint64(len(sealed))}
}

func (m *memFetcher) counts() (int, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads, m.bytes
}

func mustSealNode(t testing.TB, k seal.Key, n Node) []byte {
	t.Helper()
	b, err := SealNode(k, n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
