package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
)

// maxCheckErrors bounds the problems Check reports.
const maxCheckErrors = 100

// Check verifies the whole index: bbolt's own page check (tx.Check) plus
// every invariant documented in doc.go. It returns nil or the problems found
// joined (errors.Join), each wrapping ErrCorrupt. It holds the writer lock
// for the duration (a read-only tx.Check is unsafe next to writers), reads
// everything and keeps one Attr per inode in memory: an fsck, not a hot path.
func (x *Index) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	// Commit first: bbolt's page check is meant for committed state.
	if err := x.checkpointLocked(); err != nil {
		return err
	}
	tx := x.tx
	c := &checker{t: &txn{tx: tx, now: x.clock()}}
	for err := range tx.Check() {
		c.bad("bbolt: %v", err)
	}
	c.run()
	return errors.Join(c.errs...)
}

// checker accumulates problems found by one Check.
type checker struct {
	t    *txn
	errs []error

	inodes  map[uint64]Attr
	entries map[uint64]uint64 // dir ino -> number of entries
	subdirs map[uint64]uint32 // dir ino -> number of directory entries
	links   map[uint64]uint32 // ino -> number of entries naming it
	staged  map[uint64]bool   // file ino -> has a staged chunk
	stored  map[uint64]bool   // file ino -> has a stored chunk
}

func (c *checker) bad(format string, args ...any) {
	if len(c.errs) < maxCheckErrors {
		c.errs = append(c.errs, fmt.Errorf("index check: "+format+": %w", append(args, ErrCorrupt)...))
	}
}

// badErr records an error that already wraps ErrCorrupt (decode failures).
func (c *checker) badErr(err error) {
	if len(c.errs) < maxCheckErrors {
		c.errs = append(c.errs, fmt.Errorf("index check: %w", err))
	}
}

func (c *checker) run() {
	for _, b := range allBuckets {
		if c.t.tx.Bucket(b) == nil {
			c.bad("bucket %q missing", b)
			return
		}
	}
	c.entries, c.subdirs, c.links = map[uint64]uint64{}, map[uint64]uint32{}, map[uint64]uint32{}
	c.staged, c.stored = map[uint64]bool{}, map[uint64]bool{}
	c.checkInodes()
	c.checkDirents()
	c.checkTree()
	c.checkChunks()
	c.checkSets()
	c.checkCopies()
}

// checkCopies verifies that every staged copy belongs to a staged chunk of
// exactly its length.
func (c *checker) checkCopies() {
	chunks := c.t.bucket(bucketChunks)
	_ = c.t.bucket(bucketCopies).ForEach(func(k, v []byte) error {
		cv := chunks.Get(k)
		if cv == nil {
			c.bad("staged copy %x without its chunk", k)
			return nil
		}
		ch, err := decodeChunk(cv)
		if err != nil {
			c.badErr(err)
			return nil
		}
		if ch.Kind != ChunkStaged || ch.Len != uint64(len(v)) {
			c.bad("staged copy %x of %d bytes for a chunk %v of %d bytes", k, len(v), ch.Kind, ch.Len)
		}
		return nil
	})
}

func (c *checker) checkInodes() {
	c.inodes = map[uint64]Attr{}
	b := c.t.bucket(bucketInodes)
	seq := b.Sequence()
	var bytes uint64
	_ = b.ForEach(func(k, v []byte) error {
		ino, err := getU64(k)
		if err != nil {
			c.bad("inode key %x", k)
			return nil
		}
		a, err := decodeInode(ino, v)
		if err != nil {
			c.badErr(err)
			return nil
		}
		if ino == 0 || ino > seq {
			c.bad("inode %d outside allocated range 1..%d", ino, seq)
		}
		if a.Type == TypeFile {
			bytes += a.Size
			if a.ChunkSize == 0 {
				c.bad("file %d has chunk size 0", ino)
			}
		}
		if a.Type == TypeSymlink && (a.Size != uint64(len(a.Target)) || a.Target == "") {
			c.bad("symlink %d: size %d, target %q", ino, a.Size, a.Target)
		}
		if a.Type.Special() && (a.Size != 0 || a.ChunkSize != 0 || a.Upload != UploadNone || a.Target != "") {
			c.bad("%v %d: size %d, chunk size %d, upload state %v, target %q",
				a.Type, ino, a.Size, a.ChunkSize, a.Upload, a.Target)
		}
		if a.Rdev != 0 && !a.Type.IsDevice() {
			c.bad("%v %d has device number %#x", a.Type, ino, a.Rdev)
		}
		c.inodes[ino] = a
		return nil
	})
	meta := c.t.bucket(bucketMeta)
	if v, err := getU64(meta.Get(metaVersion)); err != nil || v != schemaVersion {
		c.bad("schema version %d", v)
	}
	if v, err := getU64(meta.Get(metaInodes)); err != nil || v != uint64(len(c.inodes)) {
		c.bad("inode counter %d, %d inodes", v, len(c.inodes))
	}
	if v, err := getU64(meta.Get(metaBytes)); err != nil || v != bytes {
		c.bad("bytes counter %d, files hold %d", v, bytes)
	}
	if root, ok := c.inodes[RootIno]; !ok || root.Type != TypeDir || root.Parent != RootIno {
		c.bad("root inode missing or not a directory")
	}
}

func (c *checker) checkDirents() {
	_ = c.t.bucket(bucketDirents).ForEach(func(k, v []byte) error {
		parent, name, err := splitPairKey(k)
		if err != nil {
			c.badErr(err)
			return nil
		}
		child, typ, err := decodeDirent(v)
		if err != nil {
			c.badErr(err)
			return nil
		}
		if err := validName(name); err != nil {
			c.bad("entry in %d: %v", parent, err)
		}
		if p, ok := c.inodes[parent]; !ok || p.Type != TypeDir {
			c.bad("entry %q: parent %d missing or not a directory", name, parent)
		}
		a, ok := c.inodes[child]
		switch {
		case !ok:
			c.bad("entry %q in %d points to missing inode %d", name, parent, child)
		case a.Type != typ:
			c.bad("entry %q in %d says %v, inode %d is %v", name, parent, typ, child, a.Type)
		case typ == TypeDir && a.Parent != parent:
			c.bad("directory %d named %q in %d has parent %d", child, name, parent, a.Parent)
		}
		c.entries[parent]++
		c.links[child]++
		if typ == TypeDir {
			c.subdirs[parent]++
		}
		return nil
	})
}

// checkTree verifies link counts, sizes of directories, the orphan rule and
// that every directory's parent chain reaches the root.
func (c *checker) checkTree() {
	orphans := c.t.bucket(bucketOrphans)
	for ino, a := range c.inodes {
		isOrphan := orphans.Get(inoKey(ino)) != nil
		switch a.Type {
		case TypeDir:
			if a.Nlink != 2+c.subdirs[ino] || a.Size != c.entries[ino] {
				c.bad("directory %d: nlink %d size %d, has %d subdirs %d entries",
					ino, a.Nlink, a.Size, c.subdirs[ino], c.entries[ino])
			}
			wantLinks := uint32(1)
			if ino == RootIno {
				wantLinks = 0
			}
			if c.links[ino] != wantLinks {
				c.bad("directory %d named by %d entries", ino, c.links[ino])
			}
			p, n := ino, 0
			for ; p != RootIno && n <= len(c.inodes); n++ {
				p = c.inodes[p].Parent
			}
			if p != RootIno {
				c.bad("directory %d does not reach the root", ino)
			}
		default:
			if a.Nlink != c.links[ino] {
				c.bad("%v %d: nlink %d, named by %d entries", a.Type, ino, a.Nlink, c.links[ino])
			}
			if (a.Nlink == 0) != isOrphan || a.Type == TypeSymlink && isOrphan {
				c.bad("%v %d: nlink %d, on orphan list %v", a.Type, ino, a.Nlink, isOrphan)
			}
		}
		if a.Type == TypeDir && isOrphan {
			c.bad("directory %d on orphan list", ino)
		}
	}
}

// checkChunks verifies every chunk against its file and recounts blob
// references.
func (c *checker) checkChunks() {
	refs := map[blobid.ID]uint64{}
	_ = c.t.bucket(bucketChunks).ForEach(func(k, v []byte) error {
		ino, idx, err := splitChunkKey(k)
		if err != nil {
			c.badErr(err)
			return nil
		}
		cs, err := decodeChunk(v)
		if err != nil {
			c.badErr(err)
			return nil
		}
		a, ok := c.inodes[ino]
		if !ok || a.Type != TypeFile {
			c.bad("chunk %d of inode %d: no such file", idx, ino)
			return nil
		}
		if cs.Len == 0 || cs.Len > a.ChunkSize || idx > a.Size/a.ChunkSize || idx*a.ChunkSize+cs.Len > a.Size {
			c.bad("chunk %d of inode %d: len %d beyond size %d (chunk size %d)", idx, ino, cs.Len, a.Size, a.ChunkSize)
		}
		if cs.Kind == ChunkStaged {
			c.staged[ino] = true
		} else {
			c.stored[ino] = true
			refs[cs.Extent.Blob]++
			if cs.Extent.Blob.IsZero() {
				c.bad("chunk %d of inode %d: zero blob ID", idx, ino)
			}
		}
		return nil
	})
	_ = c.t.bucket(bucketRefs).ForEach(func(k, v []byte) error {
		n, err := getU64(v)
		if len(k) != len(blobid.ID{}) || err != nil {
			c.bad("refs entry %x", k)
			return nil
		}
		if id := blobid.ID(k); n != refs[id] || n == 0 {
			c.bad("blob %v: refcount %d, referenced by %d chunks", id, n, refs[id])
		}
		return nil
	})
	for id, n := range refs {
		if c.t.bucket(bucketRefs).Get(id[:]) == nil {
			c.bad("blob %v: %d chunks but no refcount", id, n)
		}
		if c.t.bucket(bucketDead).Get(id[:]) != nil {
			c.bad("blob %v: referenced but on the deletion list", id)
		}
	}
}

// checkSets verifies the orphan, queue, failure and xattr buckets and the
// upload state of every file.
func (c *checker) checkSets() {
	for ino, a := range c.inodes {
		if a.Type != TypeFile {
			continue
		}
		want := UploadNone
		switch {
		case c.staged[ino] && a.Upload == UploadUploading:
			want = UploadUploading
		case c.staged[ino]:
			want = UploadStaged
		case c.stored[ino]:
			want = UploadStored
		}
		if a.Upload != want {
			c.bad("file %d: upload state %v, chunks say %v", ino, a.Upload, want)
		}
		if queued := c.t.bucket(bucketQueue).Get(inoKey(ino)) != nil; queued != (c.staged[ino] && a.Nlink > 0) {
			c.bad("file %d: queued %v, staged %v, nlink %d", ino, queued, c.staged[ino], a.Nlink)
		}
	}
	for _, b := range [][]byte{bucketOrphans, bucketQueue, bucketFailures} {
		_ = c.t.bucket(b).ForEach(func(k, _ []byte) error {
			ino, err := getU64(k)
			a, ok := c.inodes[ino]
			if special := ok && a.Type.Special() && string(b) == string(bucketOrphans); err != nil || !ok || a.Type != TypeFile && !special {
				c.bad("%s entry %x: no such file", b, k)
			} else if string(b) == string(bucketFailures) && !c.staged[ino] {
				c.bad("failure recorded for file %d with nothing staged", ino)
			}
			return nil
		})
	}
	_ = c.t.bucket(bucketXattrs).ForEach(func(k, v []byte) error {
		ino, name, err := splitPairKey(k)
		if _, ok := c.inodes[ino]; err != nil || !ok {
			c.bad("xattr key %x: no such inode", k)
		} else if validXattrName(name) != nil || len(v) > MaxXattrValue {
			c.bad("xattr %q on %d: bad name or %d-byte value", name, ino, len(v))
		}
		return nil
	})
	_ = c.t.bucket(bucketDead).ForEach(func(k, v []byte) error {
		if _, err := getU64(v); err != nil || len(k) != len(blobid.ID{}) {
			c.bad("deletion list entry %x", k)
		}
		return nil
	})
}
