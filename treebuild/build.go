// Package treebuild turns the index into the tree on the network (package
// tree): one sealed node per directory, written incrementally. A commit
// rewrites the directories whose content changed since the last one and
// every directory above them (their child locations change), and reuses
// the nodes of the others where they are.
//
// The new nodes go into one buffer, the caller's next blob, followed by
// the commit record; locations inside it are relative (tree's zero blob
// ID) because the blob's ID depends on all of them. After storing the
// blob the caller makes them absolute (Result.Resolve) and keeps the
// directory states for the next commit.
package treebuild

import (
	"errors"
	"fmt"
	"slices"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// ErrPending: a file has content not stored yet; a commit names only
// stored data, so it waits until the uploads are done.
var ErrPending = errors.New("treebuild: a file has content not stored yet")

// KeyOpener returns the raw key of a sealed extent (vfs.Crypt).
type KeyOpener interface {
	ChunkKey(w index.WrappedKey) (seal.Key, error)
}

// DirState is what a writer keeps about a directory between commits: its
// node key (stable across versions), the digest and location of its last
// node.
type DirState struct {
	Key    seal.Key
	Digest [32]byte
	Loc    tree.Loc
}

// Options configures Build.
type Options struct {
	Keys   tree.Keys
	Opener KeyOpener // may be nil if no extent is sealed
	// Prev is the state of the last commit (nil: none).
	Prev map[uint64]DirState
	// NewKey makes the key of a directory seen for the first time.
	NewKey func() (seal.Key, error)
	// Pending are small files not stored yet whose one chunk goes into
	// the blob that will hold the new nodes (a pack): by inode, the
	// extent in that blob (Blob zero: relative) and the file's size. A
	// file whose size is not Len, or that has other unstored chunks, is
	// pending as usual (ErrPending).
	Pending map[uint64]PendingFile
	// Base is where Blob will start in the blob that holds it (after a
	// pack's files): the new nodes' relative locations count from the
	// blob's start.
	Base uint64
}

// PendingFile is a file of Options.Pending.
type PendingFile struct {
	Extent index.Extent
	Len    uint64
}

// Result is a built commit's tree.
type Result struct {
	// Blob holds the sealed new nodes, one after the other.
	Blob []byte
	// Dirs is the state of every directory of the tree (locations of new
	// nodes relative to Blob).
	Dirs map[uint64]DirState
	// Root is the root node's location; RootAttr the root's attributes.
	Root     tree.Loc
	RootAttr tree.DirAttr
	// Files and Bytes count regular files (hard links once) and their
	// sizes; Written the
	// nodes in Blob; Blobs every blob the tree references (data and
	// nodes, Blob itself excluded).
	Files, Bytes uint64
	Written      int
	Blobs        map[blobid.ID]bool

	// fixups: with Options.Pending, the written directories in post-order
	// (children first), to recompute their digests once Blob's ID is known
	// (a relative chunk enters the digest by its real blob ID, as the next
	// Build sees it once the files are stored).
	fixups []fixup
}

type fixup struct {
	ino      uint64
	node     tree.Node      // as digested, child digests in Child.Blob
	children map[int]uint64 // entry index -> directory inode
}

// Resolve makes the relative locations of r absolute once Blob is stored
// as blob id.
func (r *Result) Resolve(id blobid.ID) error {
	for ino, d := range r.Dirs {
		if d.Loc.Blob.IsZero() {
			d.Loc.Blob = id
			r.Dirs[ino] = d
		}
	}
	if r.Root.Blob.IsZero() {
		r.Root.Blob = id
	}
	for _, f := range r.fixups {
		for i := range f.node.Entries {
			e := &f.node.Entries[i]
			for j := range e.Chunks {
				if e.Chunks[j].Blob.IsZero() {
					e.Chunks[j].Blob = id
					r.Blobs[id] = true
				}
			}
			if c, ok := f.children[i]; ok {
				e.Child = tree.Loc{Blob: blobid.ID(r.Dirs[c].Digest), Len: 64}
			}
		}
		d, err := tree.Digest(f.node)
		if err != nil {
			return fmt.Errorf("treebuild: directory %d: %w", f.ino, err)
		}
		st := r.Dirs[f.ino]
		st.Digest = d
		r.Dirs[f.ino] = st
	}
	r.fixups = nil
	return nil
}

type builder struct {
	v    index.View
	o    Options
	res  *Result
	seen map[uint64]bool // files counted (hard links once)
}

// Build builds the tree of the index seen by v.
func Build(v index.View, o Options) (*Result, error) {
	if o.NewKey == nil {
		o.NewKey = seal.NewKey
	}
	res := &Result{Dirs: map[uint64]DirState{}, Blobs: map[blobid.ID]bool{}}
	b := &builder{v: v, o: o, res: res, seen: map[uint64]bool{}}
	root, err := v.Attr(index.RootIno)
	if err != nil {
		return nil, err
	}
	xs, err := b.xattrs(index.RootIno)
	if err != nil {
		return nil, err
	}
	res.RootAttr = tree.DirAttr{Mode: root.Mode & 0o7777, Uid: root.Uid, Gid: root.Gid,
		Atime: root.Atime.UnixNano(), Mtime: root.Mtime.UnixNano(), Ctime: root.Ctime.UnixNano(), Xattrs: xs}
	loc, _, err := b.dir(index.RootIno, "/")
	if err != nil {
		return nil, err
	}
	res.Root = loc
	return res, nil
}

func (b *builder) xattrs(ino uint64) ([]tree.Xattr, error) {
	ps, err := b.v.Xattrs(ino)
	if err != nil {
		return nil, err
	}
	var out []tree.Xattr
	for _, p := range ps {
		out = append(out, tree.Xattr{Name: p.Name, Value: p.Value})
	}
	return out, nil
}

// dir builds (or reuses) the node of directory ino and returns its
// location and key.
func (b *builder) dir(ino uint64, path string) (tree.Loc, seal.Key, error) {
	ents, err := b.v.Entries(ino)
	if err != nil {
		return tree.Loc{}, seal.Key{}, err
	}
	var n tree.Node
	// The digest of a node stands for its content: a child directory
	// enters it by its own digest, not by where its node is stored (which
	// changes from relative to absolute once its blob is stored).
	childDigest := map[int][32]byte{}
	for _, de := range ents {
		a, err := b.v.Attr(de.Ino)
		if err != nil {
			return tree.Loc{}, seal.Key{}, err
		}
		p := path + de.Name
		e := tree.Entry{Name: de.Name, Type: a.Type, Mode: a.Mode & 0o7777, Uid: a.Uid, Gid: a.Gid, Rdev: a.Rdev,
			Atime: a.Atime.UnixNano(), Mtime: a.Mtime.UnixNano(), Ctime: a.Ctime.UnixNano()}
		if e.Xattrs, err = b.xattrs(de.Ino); err != nil {
			return tree.Loc{}, seal.Key{}, err
		}
		switch a.Type {
		case index.TypeFile:
			if err := b.file(&e, a, p); err != nil {
				return tree.Loc{}, seal.Key{}, err
			}
		case index.TypeDir:
			if e.Child, e.ChildKey, err = b.dir(de.Ino, p+"/"); err != nil {
				return tree.Loc{}, seal.Key{}, err
			}
			childDigest[len(n.Entries)] = b.res.Dirs[de.Ino].Digest
		case index.TypeSymlink:
			e.Target = a.Target
			e.Size = uint64(len(a.Target))
		}
		n.Entries = append(n.Entries, e)
	}
	prev, seen := b.o.Prev[ino]
	key := prev.Key
	switch {
	case ino == index.RootIno:
		key = b.o.Keys.Root
	case !seen || key == (seal.Key{}):
		if key, err = b.o.NewKey(); err != nil {
			return tree.Loc{}, seal.Key{}, err
		}
	}
	forDigest := tree.Node{Entries: slices.Clone(n.Entries)}
	for i, d := range childDigest {
		forDigest.Entries[i].Child = tree.Loc{Blob: blobid.ID(d), Len: 64}
	}
	digest, err := tree.Digest(forDigest)
	if err != nil {
		return tree.Loc{}, seal.Key{}, fmt.Errorf("treebuild: directory %q: %w", path, err)
	}
	if seen && prev.Digest == digest && !prev.Loc.Blob.IsZero() && prev.Key == key {
		b.res.Dirs[ino] = prev
		b.res.Blobs[prev.Loc.Blob] = true
		return prev.Loc, key, nil
	}
	sealed, err := tree.SealNode(key, n)
	if err != nil {
		return tree.Loc{}, seal.Key{}, fmt.Errorf("treebuild: directory %q: %w", path, err)
	}
	loc := tree.Loc{Off: b.o.Base + uint64(len(b.res.Blob)), Len: uint64(len(sealed))}
	b.res.Blob = append(b.res.Blob, sealed...)
	b.res.Written++
	b.res.Dirs[ino] = DirState{Key: key, Digest: digest, Loc: loc}
	if len(b.o.Pending) > 0 {
		children := map[int]uint64{}
		for i, de := range ents {
			if _, ok := childDigest[i]; ok {
				children[i] = de.Ino
			}
		}
		b.res.fixups = append(b.res.fixups, fixup{ino: ino, node: forDigest, children: children})
	}
	return loc, key, nil
}

// file fills the content part of a file entry.
func (b *builder) file(e *tree.Entry, a index.Attr, path string) error {
	e.Size, e.ChunkSize = a.Size, a.ChunkSize
	if a.Nlink > 1 {
		e.LinkGroup = a.Ino
	}
	if !b.seen[a.Ino] {
		b.seen[a.Ino] = true
		b.res.Files++
		b.res.Bytes += a.Size
	}
	cs, err := b.v.Chunks(a.Ino)
	if err != nil {
		return err
	}
	idx := make([]uint64, 0, len(cs))
	for i := range cs {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		c := cs[i]
		if c.Kind != index.ChunkStored {
			p, ok := b.o.Pending[a.Ino]
			if !ok || i != 0 || len(cs) != 1 || a.Size != p.Len || !p.Extent.Blob.IsZero() {
				return fmt.Errorf("%w: %q chunk %d", ErrPending, path, i)
			}
			c = index.ChunkState{Kind: index.ChunkStored, Len: p.Len, Extent: p.Extent}
		}
		tc := tree.Chunk{Index: i, Len: c.Len, Blob: c.Extent.Blob, Off: c.Extent.Offset, Length: c.Extent.Length, Plain: !c.Extent.Key.Sealed()}
		if !tc.Plain {
			if b.o.Opener == nil {
				return fmt.Errorf("treebuild: %q chunk %d is sealed and no key opener was given", path, i)
			}
			if tc.Key, err = b.o.Opener.ChunkKey(c.Extent.Key); err != nil {
				return fmt.Errorf("treebuild: %q chunk %d: %w", path, i, err)
			}
		}
		if !c.Extent.Blob.IsZero() {
			b.res.Blobs[c.Extent.Blob] = true
		}
		e.Chunks = append(e.Chunks, tc)
	}
	return nil
}
