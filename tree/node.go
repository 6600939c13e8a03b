package tree

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
)

// Chunk flags (one byte per chunk).
const (
	chunkSealed byte = 0
	chunkPlain  byte = 1
)

// Minimum encoded sizes, used to bound counts before allocating.
const (
	minEntrySize = 11 // name (2), type, mode, uid, gid, size, 3 times, xattr count
	minChunkSize = 6
	minXattrSize = 3
)

// SealNode serializes, compresses and seals a directory node under its
// directory key kd (see the package documentation for the format). It
// refuses (ErrInvalid) a node that OpenNode would reject: unsorted or
// duplicate names, a field set that the entry's type does not use, and so
// on. The output differs on every call (random nonce).
func SealNode(kd seal.Key, n Node) ([]byte, error) {
	return sealNode(kd, kindDir, n)
}

// OpenNode authenticates, decompresses and decodes a directory node sealed
// by SealNode under kd. Errors: ErrAuth (wrong key or altered bytes),
// ErrKind (a file node or a commit record), ErrCorrupt (authenticated but
// malformed).
func OpenNode(kd seal.Key, sealed []byte) (Node, error) {
	return openNode(kd, kindDir, sealed)
}

// SealFileNode seals a file node: a node of the single entry e, which must
// be a regular file, used to share one file. It is sealed with its own
// additional data, so it never opens as a directory node or the reverse.
func SealFileNode(k seal.Key, e Entry) ([]byte, error) {
	if e.Type != index.TypeFile {
		return nil, fmt.Errorf("tree: seal file node %q: type %s, want file: %w", e.Name, e.Type, ErrInvalid)
	}
	for _, c := range e.Chunks {
		if c.Blob.IsZero() {
			return nil, fmt.Errorf("tree: seal file node %q: chunk %d: zero blob ID (a file node's chunks are never relative): %w", e.Name, c.Index, ErrInvalid)
		}
	}
	return sealNode(k, kindFile, Node{Entries: []Entry{e}})
}

// OpenFileNode opens a file node sealed by SealFileNode and returns its
// entry. Errors are those of OpenNode.
func OpenFileNode(k seal.Key, sealed []byte) (Entry, error) {
	n, err := openNode(k, kindFile, sealed)
	if err != nil {
		return Entry{}, err
	}
	if len(n.Entries) != 1 || n.Entries[0].Type != index.TypeFile {
		return Entry{}, fmt.Errorf("tree: file node with %d entries, want one regular file: %w", len(n.Entries), ErrCorrupt)
	}
	return n.Entries[0], nil
}

func sealNode(k seal.Key, kd kind, n Node) ([]byte, error) {
	body, err := encodeNode(n, true)
	if err != nil {
		return nil, fmt.Errorf("tree: seal %s: %w", kd, err)
	}
	if len(body) > MaxNodeSize {
		return nil, fmt.Errorf("tree: seal %s: %d bytes serialized (max %d): %w", kd, len(body), MaxNodeSize, ErrInvalid)
	}
	comp, err := deflate(body)
	if err != nil {
		return nil, fmt.Errorf("tree: seal %s: compress: %w", kd, err)
	}
	if len(comp)+minSealed > MaxNodeSize {
		return nil, fmt.Errorf("tree: seal %s: %d bytes sealed (max %d): %w", kd, len(comp)+minSealed, MaxNodeSize, ErrInvalid)
	}
	out, err := sealRecord(k, kd, comp)
	if err != nil {
		return nil, fmt.Errorf("tree: %w", err)
	}
	return out, nil
}

func openNode(k seal.Key, kd kind, sealed []byte) (Node, error) {
	if len(sealed) > MaxNodeSize {
		return Node{}, fmt.Errorf("tree: open %s: %d bytes (max %d): %w", kd, len(sealed), MaxNodeSize, ErrInvalid)
	}
	comp, err := openRecord(k, kd, sealed)
	if err != nil {
		return Node{}, fmt.Errorf("tree: %w", err)
	}
	n, err := decodeCompressed(comp)
	if err != nil {
		return Node{}, fmt.Errorf("tree: open %s: %w", kd, err)
	}
	return n, nil
}

// decodeCompressed inflates and decodes a node's sealed plaintext.
func decodeCompressed(comp []byte) (Node, error) {
	body, err := inflate(comp, MaxNodeSize)
	if err != nil {
		return Node{}, err
	}
	return decodeNode(body)
}

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression) // only fails for a bad level
	return w
}}

// deflate compresses p as a raw DEFLATE stream (RFC 1951).
func deflate(p []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(p)/2 + 64)
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inflate decompresses a raw DEFLATE stream of at most max bytes (it
// stops reading beyond) that must end exactly at the end of comp.
func inflate(comp []byte, max int64) ([]byte, error) {
	src := bytes.NewReader(comp)
	r := flate.NewReader(src)
	defer func() { _ = r.Close() }()
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %v: %w", err, ErrCorrupt)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("decompresses to more than %d bytes: %w", max, ErrCorrupt)
	}
	if src.Len() != 0 {
		return nil, fmt.Errorf("%d bytes after the compressed stream: %w", src.Len(), ErrCorrupt)
	}
	return body, nil
}

// encodeNode serializes a node (uncompressed), validating it if check is
// set (tests turn it off to build invalid bodies).
func encodeNode(n Node, check bool) ([]byte, error) {
	var (
		table []blobid.ID
		refs  = map[blobid.ID]uint64{}
		ent   encoder
	)
	ref := func(id blobid.ID) uint64 {
		r, ok := refs[id]
		if !ok {
			r = uint64(len(table))
			refs[id] = r
			table = append(table, id)
		}
		return r
	}
	ent.b = make([]byte, 0, 64*len(n.Entries)+16)
	ent.uvarint(uint64(len(n.Entries)))
	for i := range n.Entries {
		e := &n.Entries[i]
		prev := ""
		if i > 0 {
			prev = n.Entries[i-1].Name
		}
		if err := checkEntry(e, i, prev); err != nil && check {
			return nil, fmt.Errorf("%w: %w", err, ErrInvalid)
		}
		ent.str(e.Name)
		ent.byte1(byte(e.Type))
		ent.uvarint(uint64(e.Mode))
		ent.uvarint(uint64(e.Uid))
		ent.uvarint(uint64(e.Gid))
		ent.uvarint(e.Size)
		encodeTimes(&ent, e.Atime, e.Mtime, e.Ctime)
		encodeXattrs(&ent, e.Xattrs)
		switch e.Type {
		case index.TypeFile:
			ent.uvarint(e.LinkGroup)
			ent.uvarint(e.ChunkSize)
			ent.uvarint(uint64(len(e.Chunks)))
			for j, c := range e.Chunks {
				if j == 0 {
					ent.uvarint(c.Index)
				} else {
					ent.uvarint(c.Index - e.Chunks[j-1].Index - 1)
				}
				ent.uvarint(c.Len)
				if c.Plain {
					ent.byte1(chunkPlain)
				} else {
					ent.byte1(chunkSealed)
				}
				ent.uvarint(ref(c.Blob))
				ent.uvarint(c.Off)
				ent.uvarint(c.Length)
				if !c.Plain {
					ent.key(c.Key)
				}
			}
		case index.TypeDir:
			ent.uvarint(ref(e.Child.Blob))
			ent.uvarint(e.Child.Off)
			ent.uvarint(e.Child.Len)
			ent.key(e.ChildKey)
		case index.TypeSymlink:
			ent.str(e.Target)
		case index.TypeCharDev, index.TypeBlockDev:
			ent.uvarint(uint64(e.Rdev))
		}
	}
	var out encoder
	out.b = make([]byte, 0, 10+32*len(table)+len(ent.b))
	out.uvarint(uint64(len(table)))
	for _, id := range table {
		out.blob(id)
	}
	out.raw(ent.b)
	return out.b, nil
}

// encodeTimes writes mtime, then atime and ctime as differences from it
// (two's complement, wrapping), all zigzag varints: ctime and atime are
// usually close to mtime.
func encodeTimes(e *encoder, atime, mtime, ctime int64) {
	e.varint(mtime)
	e.varint(atime - mtime)
	e.varint(ctime - mtime)
}

func decodeTimes(d *decoder) (atime, mtime, ctime int64) {
	mtime = d.varint()
	atime = mtime + d.varint()
	ctime = mtime + d.varint()
	return
}

func encodeXattrs(e *encoder, xs []Xattr) {
	e.uvarint(uint64(len(xs)))
	for _, x := range xs {
		e.str(x.Name)
		e.bytesLP(x.Value)
	}
}

func decodeXattrs(d *decoder) []Xattr {
	n := d.count("extended attributes", minXattrSize)
	if n == 0 {
		return nil
	}
	xs := make([]Xattr, n)
	for i := range xs {
		xs[i].Name = d.str("extended attribute name", MaxXattrNameLen)
		if v := d.bytesLP("extended attribute value", MaxXattrValueLen); len(v) > 0 {
			xs[i].Value = bytes.Clone(v)
		}
	}
	return xs
}

// checkXattrs validates a sorted, unique list of extended attributes.
func checkXattrs(xs []Xattr) error {
	for i, x := range xs {
		switch {
		case x.Name == "" || len(x.Name) > MaxXattrNameLen || strings.IndexByte(x.Name, 0) >= 0:
			return fmt.Errorf("extended attribute %d: name empty, longer than %d bytes or with a NUL", i, MaxXattrNameLen)
		case len(x.Value) > MaxXattrValueLen:
			return fmt.Errorf("extended attribute %q: value of %d bytes (max %d)", x.Name, len(x.Value), MaxXattrValueLen)
		case i > 0 && x.Name <= xs[i-1].Name:
			return fmt.Errorf("extended attribute %q: not after %q (names must be sorted and unique)", x.Name, xs[i-1].Name)
		}
	}
	return nil
}

// decodeNode decodes a node's serialized body. It is the decoder the fuzz
// test drives: it never panics, and what it accepts re-encodes to the same
// bytes.
func decodeNode(body []byte) (Node, error) {
	d := &decoder{b: body}
	nb := d.count("blob IDs", 32)
	table := make([]blobid.ID, nb)
	next := 0 // references must name table entries in first-use order
	seen := make(map[blobid.ID]struct{}, nb)
	for i := range table {
		table[i] = d.id32()
		if _, dup := seen[table[i]]; dup && d.err == nil {
			d.fail("blob table: blob %s twice", table[i])
		}
		seen[table[i]] = struct{}{}
	}
	blob := func() blobid.ID {
		r := d.uvarint()
		if d.err != nil {
			return blobid.ID{}
		}
		if r > uint64(next) || r >= uint64(nb) {
			d.fail("blob reference %d: beyond the table of %d or not in first-use order", r, nb)
			return blobid.ID{}
		}
		if r == uint64(next) {
			next++
		}
		return table[r]
	}
	ne := d.count("entries", minEntrySize)
	if d.err != nil {
		return Node{}, d.err
	}
	var n Node
	if ne > 0 {
		n.Entries = make([]Entry, ne)
	}
	for i := range n.Entries {
		e := &n.Entries[i]
		e.Name = d.str("name", MaxNameLen)
		e.Type = index.Type(d.byte1())
		e.Mode = d.u32("mode")
		e.Uid = d.u32("uid")
		e.Gid = d.u32("gid")
		e.Size = d.uvarint()
		e.Atime, e.Mtime, e.Ctime = decodeTimes(d)
		e.Xattrs = decodeXattrs(d)
		switch e.Type {
		case index.TypeFile:
			e.LinkGroup = d.uvarint()
			e.ChunkSize = d.uvarint()
			nc := d.count("chunks", minChunkSize)
			if nc > 0 {
				e.Chunks = make([]Chunk, nc)
			}
			for j := range e.Chunks {
				c := &e.Chunks[j]
				delta := d.uvarint()
				if j == 0 {
					c.Index = delta
				} else {
					prev := e.Chunks[j-1].Index
					if delta >= ^uint64(0)-prev {
						d.fail("entry %d (%q): chunk index overflows", i, e.Name)
					}
					c.Index = prev + delta + 1
				}
				c.Len = d.uvarint()
				switch f := d.byte1(); f {
				case chunkSealed:
				case chunkPlain:
					c.Plain = true
				default:
					d.fail("entry %d (%q): chunk flags %#x", i, e.Name, f)
				}
				c.Blob = blob()
				c.Off = d.uvarint()
				c.Length = d.uvarint()
				if !c.Plain {
					c.Key = d.id32()
				}
			}
		case index.TypeDir:
			e.Child.Blob = blob()
			e.Child.Off = d.uvarint()
			e.Child.Len = d.uvarint()
			e.ChildKey = d.id32()
		case index.TypeSymlink:
			e.Target = d.str("symlink target", MaxTargetLen)
		case index.TypeCharDev, index.TypeBlockDev:
			e.Rdev = d.u32("device number")
		}
		if d.err != nil {
			return Node{}, fmt.Errorf("entry %d: %w", i, d.err)
		}
		prev := ""
		if i > 0 {
			prev = n.Entries[i-1].Name
		}
		if err := checkEntry(e, i, prev); err != nil {
			return Node{}, fmt.Errorf("%w: %w", err, ErrCorrupt)
		}
	}
	d.end()
	if d.err != nil {
		return Node{}, d.err
	}
	if next != nb {
		return Node{}, fmt.Errorf("blob table entries %d to %d are never used: %w", next, nb-1, ErrCorrupt)
	}
	return n, nil
}

// checkEntry validates entry i of a node (prev is the name of entry i-1,
// "" for the first). The error names the entry and wraps no sentinel.
func checkEntry(e *Entry, i int, prev string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("entry %d (%q): %s", i, clip(e.Name), fmt.Sprintf(format, args...))
	}
	switch {
	case e.Name == "" || len(e.Name) > MaxNameLen:
		return bad("name empty or longer than %d bytes", MaxNameLen)
	case e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\x00"):
		return bad("name is . or .., or holds a slash or a NUL")
	case i > 0 && e.Name <= prev:
		return bad("not after %q (names must be sorted in byte order and unique)", clip(prev))
	case e.Type < index.TypeFile || e.Type > index.TypeBlockDev:
		return bad("unknown type %d", uint8(e.Type))
	case e.Mode > 0o7777:
		return bad("mode %#o has bits beyond 07777", e.Mode)
	}
	if err := checkXattrs(e.Xattrs); err != nil {
		return bad("%v", err)
	}
	// Fields of other types must be zero, or they would be lost.
	if e.Type != index.TypeFile && (e.LinkGroup != 0 || e.ChunkSize != 0 || len(e.Chunks) != 0) {
		return bad("link group, chunk size or chunks on a %s", e.Type)
	}
	if e.Type != index.TypeDir && (!e.Child.IsZero() || e.ChildKey != (seal.Key{})) {
		return bad("child node or key on a %s", e.Type)
	}
	if e.Type != index.TypeSymlink && e.Target != "" {
		return bad("symlink target on a %s", e.Type)
	}
	if !e.Type.IsDevice() && e.Rdev != 0 {
		return bad("device number on a %s", e.Type)
	}
	switch e.Type {
	case index.TypeFile:
		for j := range e.Chunks {
			if err := checkChunk(e, j); err != nil {
				return bad("chunk %d: %v", j, err)
			}
		}
	case index.TypeDir:
		if err := e.Child.checkRelative(minSealed, MaxNodeSize); err != nil {
			return bad("child node: %v", err)
		}
		if e.ChildKey == (seal.Key{}) {
			return bad("zero child key")
		}
	case index.TypeSymlink:
		if e.Target == "" || len(e.Target) > MaxTargetLen || strings.IndexByte(e.Target, 0) >= 0 {
			return bad("symlink target empty, longer than %d bytes or with a NUL", MaxTargetLen)
		}
	}
	return nil
}

// checkChunk validates chunk j of file entry e.
func checkChunk(e *Entry, j int) error {
	c := &e.Chunks[j]
	switch {
	case j > 0 && c.Index <= e.Chunks[j-1].Index:
		return fmt.Errorf("index %d not after %d", c.Index, e.Chunks[j-1].Index)
	case c.Len == 0 || c.Len > e.ChunkSize:
		return fmt.Errorf("length %d outside [1, chunk size %d]", c.Len, e.ChunkSize)
	case c.Index > (e.Size-c.Len)/e.ChunkSize || c.Len > e.Size:
		return fmt.Errorf("index %d of %d bytes ends beyond the file size %d", c.Index, c.Len, e.Size)
	case c.Off > maxOffset || c.Length > maxOffset-c.Off:
		return fmt.Errorf("extent %d+%d beyond 2^62", c.Off, c.Length)
	}
	if c.Plain {
		if c.Key != (seal.Key{}) {
			return fmt.Errorf("plain extent with a key")
		}
		if c.Len > c.Length {
			return fmt.Errorf("length %d beyond its %d-byte plain extent", c.Len, c.Length)
		}
		return nil
	}
	if c.Key == (seal.Key{}) {
		return fmt.Errorf("sealed extent with the zero key")
	}
	pl, err := seal.PlainSize(int64(c.Length))
	if err != nil {
		return fmt.Errorf("sealed extent of %d bytes: not a sealed length", c.Length)
	}
	if c.Len > uint64(pl) {
		return fmt.Errorf("length %d beyond its sealed extent of %d plaintext bytes", c.Len, pl)
	}
	return nil
}

// clip shortens a name for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Digest returns the SHA-256 of n's serialized body (before compression
// and sealing): equal for equal nodes, so a writer can tell whether a
// directory changed since it last sealed it (sealing draws a random
// nonce). It validates n as SealNode does.
func Digest(n Node) ([32]byte, error) {
	body, err := encodeNode(n, true)
	if err != nil {
		return [32]byte{}, fmt.Errorf("tree: digest: %w", err)
	}
	return sha256.Sum256(body), nil
}
