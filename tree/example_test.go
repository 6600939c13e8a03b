package tree_test

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/tree"
)

// pack is a Fetcher over blobs held in memory.
type pack map[blobid.ID][]byte

func (p pack) ReadAt(_ context.Context, id blobid.ID, off, n int64) ([]byte, error) {
	b := p[id]
	if off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil, fmt.Errorf("blob %s: range %d+%d outside %d bytes", id, off, n, len(b))
	}
	return b[off : off+n], nil
}

// add appends sealed bytes to blob id and returns where they are.
func (p pack) add(id blobid.ID, sealed []byte) tree.Loc {
	off := len(p[id])
	p[id] = append(p[id], sealed...)
	return tree.Loc{Blob: id, Off: uint64(off), Len: uint64(len(sealed))}
}

// A commit of a volume with one directory holding one file, written into
// one pack blob; then a share of the directory, and a lookup through it.
func Example() {
	master, _ := seal.NewKey()
	keys := tree.DeriveKeys(master)
	blobs := pack{}
	packID := blobid.ID{1} // the pack blob the nodes are appended to

	// The file's content: one sealed chunk in a data blob.
	chunkKey, _ := seal.NewKey()
	data := seal.Seal(nil, chunkKey, []byte("hello, walrus"))
	dataLoc := blobs.add(blobid.ID{2}, data)
	file := tree.Entry{Name: "hello.txt", Type: index.TypeFile, Mode: 0o644, Size: 13, ChunkSize: 4 << 20,
		Chunks: []tree.Chunk{{Index: 0, Len: 13, Blob: dataLoc.Blob, Off: dataLoc.Off, Length: dataLoc.Len, Key: chunkKey}}}

	// Nodes are written bottom-up: a directory's entry needs its child's Loc.
	docsKey, _ := seal.NewKey() // kept by the caller across versions of docs/
	docs, _ := tree.SealNode(docsKey, tree.Node{Entries: []tree.Entry{file}})
	docsLoc := blobs.add(packID, docs)
	root, _ := tree.SealNode(keys.Root, tree.Node{Entries: []tree.Entry{
		{Name: "docs", Type: index.TypeDir, Mode: 0o755, Child: docsLoc, ChildKey: docsKey},
	}})
	rootLoc := blobs.add(packID, root)
	commit, _ := tree.SealCommit(keys.Commit, tree.Commit{Volume: [16]byte{7}, Seq: 1, Root: rootLoc,
		RootAttr: tree.DirAttr{Mode: 0o755}, Files: 1, Bytes: 13})
	commitLoc := blobs.add(packID, commit)

	// Someone else gets a share of docs/ only.
	share := tree.Share{Network: "testnet", Node: docsLoc, Key: docsKey}
	got, err := tree.ParseShare(share.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	r := tree.NewReader(blobs, nil)
	e, err := r.Lookup(ctx, got.Node, got.Key, "hello.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := tree.ReadChunk(ctx, blobs, e.Chunks[0], 7, 100)
	fmt.Printf("%s %d bytes: %q %v\n", e.Name, e.Size, text, err)

	// The owner, on a new machine, from the recovery string.
	rec, _ := tree.Recovery{Volume: [16]byte{7}, Network: "testnet", Commit: commitLoc, Master: master}.Encode()
	back, _ := tree.ParseRecovery(rec)
	k := tree.DeriveKeys(back.Master)
	c, _ := r.Commit(ctx, back.Commit, k.Commit)
	_ = r.Walk(ctx, c.Root, k.Root, func(path string, e tree.Entry) error {
		fmt.Println(path, e.Type)
		return nil
	})
	// Output:
	// hello.txt 13 bytes: "walrus" <nil>
	// docs dir
	// docs/hello.txt file
}
