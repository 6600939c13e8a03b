package tree

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// Fetcher reads bytes of blobs. ReadAt returns exactly n bytes from byte off
// of blob, verified against the blob ID (the caller's blob store does that;
// the AEAD tags then verify the plaintext), or an error. It must be safe
// for concurrent use.
type Fetcher interface {
	ReadAt(ctx context.Context, blob blobid.ID, off, n int64) ([]byte, error)
}

// ReaderOptions tunes a Reader; nil means the defaults.
type ReaderOptions struct {
	// CacheEntries bounds the node cache by the total number of entries of
	// the cached nodes (each node counts at least 1). A node larger than
	// the bound is not cached. Default 200 000; negative disables the
	// cache.
	CacheEntries int
}

// DefaultCacheEntries is the default ReaderOptions.CacheEntries.
const DefaultCacheEntries = 200_000

// maxDepth bounds the depth of a walk or lookup (a path of 4096 bytes has
// at most 2048 components), so that a hostile tree cannot recurse forever.
const maxDepth = 2048

// Reader reads a tree lazily through a Fetcher, one node at a time, with an
// LRU cache of opened nodes. It is safe for concurrent use. Nodes it
// returns are shared with the cache and must not be modified.
type Reader struct {
	f   Fetcher
	max int

	mu    sync.Mutex
	lru   *list.List                 // GUARDED_BY(mu); front = most recent; values *cached
	items map[cacheKey]*list.Element // GUARDED_BY(mu)
	size  int                        // GUARDED_BY(mu); sum of cost over lru
}

// cacheKey includes the key and the kind, so that a cached node is only
// returned to a caller that could open it.
type cacheKey struct {
	loc  Loc
	key  seal.Key
	kind kind
}

type cached struct {
	k    cacheKey
	node Node
	cost int
}

// NewReader returns a Reader over f.
func NewReader(f Fetcher, o *ReaderOptions) *Reader {
	max := DefaultCacheEntries
	if o != nil && o.CacheEntries != 0 {
		max = o.CacheEntries
	}
	return &Reader{f: f, max: max, lru: list.New(), items: map[cacheKey]*list.Element{}}
}

// Node returns the directory node at loc, opened with kd. Errors name loc
// and wrap ErrAuth, ErrKind, ErrCorrupt, ErrInvalid or the Fetcher's error.
func (r *Reader) Node(ctx context.Context, loc Loc, kd seal.Key) (Node, error) {
	return r.node(ctx, loc, kd, kindDir)
}

// FileNode returns the entry of the file node at loc (a shared file),
// opened with k.
func (r *Reader) FileNode(ctx context.Context, loc Loc, k seal.Key) (Entry, error) {
	n, err := r.node(ctx, loc, k, kindFile)
	if err != nil {
		return Entry{}, err
	}
	return n.Entries[0], nil
}

// Commit fetches and opens the commit record at loc under the commit key
// k (not cached).
func (r *Reader) Commit(ctx context.Context, loc Loc, k seal.Key) (Commit, error) {
	if err := loc.check(minSealed, maxCommitSize); err != nil {
		return Commit{}, fmt.Errorf("tree: commit record: %w", err)
	}
	b, err := r.fetch(ctx, loc)
	if err != nil {
		return Commit{}, fmt.Errorf("tree: commit record at %s: %w", loc, err)
	}
	c, err := OpenCommit(k, b)
	if err != nil {
		return Commit{}, fmt.Errorf("commit record at %s: %w", loc, err)
	}
	if c.Root.Blob.IsZero() {
		c.Root.Blob = loc.Blob // relative: the commit's own blob
	}
	return c, nil
}

func (r *Reader) node(ctx context.Context, loc Loc, k seal.Key, kd kind) (Node, error) {
	ck := cacheKey{loc, k, kd}
	if n, ok := r.get(ck); ok {
		return n, nil
	}
	if err := loc.check(minSealed, MaxNodeSize); err != nil {
		return Node{}, fmt.Errorf("tree: %s: %w", kd, err)
	}
	b, err := r.fetch(ctx, loc)
	if err != nil {
		return Node{}, fmt.Errorf("tree: %s at %s: %w", kd, loc, err)
	}
	n, err := openNode(k, kd, b)
	if kd == kindFile && err == nil && (len(n.Entries) != 1 || n.Entries[0].Type != index.TypeFile) {
		err = fmt.Errorf("tree: file node with %d entries, want one regular file: %w", len(n.Entries), ErrCorrupt)
	}
	if err != nil {
		return Node{}, fmt.Errorf("%s at %s: %w", kd, loc, err)
	}
	for i := range n.Entries {
		e := &n.Entries[i]
		if e.Type == index.TypeDir && e.Child.Blob.IsZero() {
			e.Child.Blob = loc.Blob // relative: the blob holding this node
		}
		for j := range e.Chunks {
			if e.Chunks[j].Blob.IsZero() {
				if kd == kindFile {
					return Node{}, fmt.Errorf("%s at %s: chunk %d with a relative location: %w", kd, loc, e.Chunks[j].Index, ErrCorrupt)
				}
				e.Chunks[j].Blob = loc.Blob // relative: a file packed with this node
			}
		}
	}
	r.put(ck, n)
	return n, nil
}

// fetch reads loc and checks the Fetcher's answer has the right length.
func (r *Reader) fetch(ctx context.Context, loc Loc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := r.f.ReadAt(ctx, loc.Blob, int64(loc.Off), int64(loc.Len))
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) != loc.Len {
		return nil, fmt.Errorf("fetcher returned %d bytes, want %d: %w", len(b), loc.Len, ErrInvalid)
	}
	return b, nil
}

func (r *Reader) get(k cacheKey) (Node, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.items[k]
	if !ok {
		return Node{}, false
	}
	r.lru.MoveToFront(el)
	return el.Value.(*cached).node, true
}

func (r *Reader) put(k cacheKey, n Node) {
	cost := max(1, len(n.Entries))
	if cost > r.max {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.items[k]; ok {
		return // a concurrent call cached it first
	}
	r.items[k] = r.lru.PushFront(&cached{k: k, node: n, cost: cost})
	r.size += cost
	for r.size > r.max {
		el := r.lru.Back()
		c := el.Value.(*cached)
		r.lru.Remove(el)
		delete(r.items, c.k)
		r.size -= c.cost
	}
}

// cacheLen returns the number of cached nodes and their total cost.
func (r *Reader) cacheLen() (nodes, cost int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len(), r.size
}

// Walk calls fn for every entry of the tree below the directory node at
// loc (key kd), depth first, in name order, each directory's entry before
// its contents. path is slash-separated and relative to that directory
// ("a", "a/b"). If fn returns fs.SkipDir for a directory, Walk does not
// descend into it (for another entry, fs.SkipDir skips the rest of its
// directory, as in filepath.WalkDir); fs.SkipAll stops the walk with no error; any other error
// stops it and is returned. A node that appears again among its own
// ancestors (a cycle, which only a broken or hostile tree has) is an error
// wrapping ErrCorrupt.
func (r *Reader) Walk(ctx context.Context, loc Loc, kd seal.Key, fn func(path string, e Entry) error) error {
	err := r.walk(ctx, loc, kd, "", map[Loc]bool{}, 0, fn)
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

func (r *Reader) walk(ctx context.Context, loc Loc, kd seal.Key, dir string, onPath map[Loc]bool, depth int, fn func(string, Entry) error) error {
	if depth > maxDepth {
		return fmt.Errorf("tree: walk %q: deeper than %d directories: %w", dir, maxDepth, ErrCorrupt)
	}
	if onPath[loc] {
		return fmt.Errorf("tree: walk %q: node %s is its own ancestor: %w", dir, loc, ErrCorrupt)
	}
	n, err := r.Node(ctx, loc, kd)
	if err != nil {
		if dir != "" {
			return fmt.Errorf("walk %q: %w", dir, err)
		}
		return err
	}
	onPath[loc] = true
	defer delete(onPath, loc)
	for _, e := range n.Entries {
		p := e.Name
		if dir != "" {
			p = dir + "/" + e.Name
		}
		err := fn(p, e)
		if errors.Is(err, fs.SkipDir) {
			if e.Type == index.TypeDir {
				continue // do not descend
			}
			return nil // skip the rest of this directory
		}
		if err != nil {
			return err
		}
		if e.Type == index.TypeDir {
			if err := r.walk(ctx, e.Child, e.ChildKey, p, onPath, depth+1, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Lookup returns the entry at path below the directory node at loc (key
// kd). path is slash-separated, relative ("a/b/c"; a leading slash is
// ignored); empty components, "." and ".." are ErrInvalid. A missing name
// is ErrNotFound, a non-directory in the middle of the path ErrNotDir.
func (r *Reader) Lookup(ctx context.Context, loc Loc, kd seal.Key, path string) (Entry, error) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) > maxDepth {
		return Entry{}, fmt.Errorf("tree: lookup: path of %d components: %w", len(parts), ErrInvalid)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return Entry{}, fmt.Errorf("tree: lookup %q: empty, . or .. component: %w", clip(path), ErrInvalid)
		}
	}
	for i, name := range parts {
		n, err := r.Node(ctx, loc, kd)
		if err != nil {
			return Entry{}, fmt.Errorf("lookup %q: %w", clip(path), err)
		}
		j, ok := n.Find(name)
		if !ok {
			return Entry{}, fmt.Errorf("tree: lookup %q: %q: %w", clip(path), strings.Join(parts[:i+1], "/"), ErrNotFound)
		}
		e := n.Entries[j]
		if i == len(parts)-1 {
			return e, nil
		}
		if e.Type != index.TypeDir {
			return Entry{}, fmt.Errorf("tree: lookup %q: %q is a %s: %w", clip(path), strings.Join(parts[:i+1], "/"), e.Type, ErrNotDir)
		}
		loc, kd = e.Child, e.ChildKey
	}
	panic("unreachable")
}

// ReadChunk returns the file bytes [off, off+n) of chunk c, clipped to the
// chunk's Len bytes (so fewer than n, or none, past its end; the rest of
// the chunk is a hole, zeros, which the caller supplies). For a sealed
// extent it fetches only the segments that hold the range (seal.Span) and
// authenticates them (seal.OpenSegments); for a plain extent it fetches the
// bytes themselves.
func ReadChunk(ctx context.Context, f Fetcher, c Chunk, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("tree: read chunk %d: negative offset %d or length %d: %w", c.Index, off, n, ErrInvalid)
	}
	if c.Off > maxOffset || c.Length > maxOffset-c.Off || c.Len > c.Length {
		return nil, fmt.Errorf("tree: read chunk %d: extent %d+%d of %d bytes: %w", c.Index, c.Off, c.Length, c.Len, ErrInvalid)
	}
	if !c.Plain && c.Key == (seal.Key{}) {
		return nil, fmt.Errorf("tree: read chunk %d: sealed extent with the zero key: %w", c.Index, ErrInvalid)
	}
	if uint64(off) >= c.Len || n == 0 {
		return nil, nil
	}
	n = min(n, int64(c.Len)-off)
	if c.Plain {
		b, err := f.ReadAt(ctx, c.Blob, int64(c.Off)+off, n)
		if err != nil {
			return nil, fmt.Errorf("tree: read chunk %d in blob %s: %w", c.Index, c.Blob, err)
		}
		if int64(len(b)) != n {
			return nil, fmt.Errorf("tree: read chunk %d in blob %s: fetcher returned %d bytes, want %d: %w", c.Index, c.Blob, len(b), n, ErrInvalid)
		}
		return b, nil
	}
	plainLen, err := seal.PlainSize(int64(c.Length))
	if err != nil {
		return nil, fmt.Errorf("tree: read chunk %d in blob %s: %w", c.Index, c.Blob, err)
	}
	if c.Len > uint64(plainLen) {
		return nil, fmt.Errorf("tree: read chunk %d: %d bytes beyond its %d-byte sealed extent: %w", c.Index, c.Len, plainLen, ErrInvalid)
	}
	sOff, sLen, first := seal.Span(plainLen, off, n)
	ct, err := f.ReadAt(ctx, c.Blob, int64(c.Off)+sOff, sLen)
	if err != nil {
		return nil, fmt.Errorf("tree: read chunk %d in blob %s: %w", c.Index, c.Blob, err)
	}
	if int64(len(ct)) != sLen {
		return nil, fmt.Errorf("tree: read chunk %d in blob %s: fetcher returned %d bytes, want %d: %w", c.Index, c.Blob, len(ct), sLen, ErrInvalid)
	}
	plain, err := seal.OpenSegments(nil, c.Key, plainLen, first, ct)
	if err != nil {
		return nil, fmt.Errorf("tree: read chunk %d in blob %s: %w", c.Index, c.Blob, err)
	}
	start := off - first*seal.SegmentSize
	return plain[start : start+n : start+n], nil
}
