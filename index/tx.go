package index

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// txn is one index operation running inside the Index's open bbolt write
// transaction, with the time captured when it started (so every timestamp
// written by one operation is identical). A read-only operation has ch ==
// nil and cannot write; a writing one records in ch what it changed, to
// journal it on success and undo it on failure.
type txn struct {
	tx  *bolt.Tx
	now time.Time
	ch  *changes
	// shrinkCopies makes a chunk change that shortens a staged chunk cut
	// its staged copy instead of dropping it (truncate keeps the bytes).
	shrinkCopies bool
}

// changes is what one writing operation did: the journal payload (new
// values) and the undo list (old values), in order.
type changes struct {
	rec  recordBuilder
	undo []undoEntry
}

type undoEntry struct {
	b       *bolt.Bucket
	key     []byte // nil for a sequence change
	old     []byte
	existed bool // false: the key did not exist
	oldSeq  uint64
}

var errReadOnly = errors.New("index: write in a read-only operation")

// bkt is a bucket of the schema as seen by one operation. Writes go through
// it so that they are journaled and can be undone; reads (Get, Cursor,
// ForEach, Stats, Sequence) are bbolt's own.
type bkt struct {
	*bolt.Bucket
	t  *txn
	id byte // position in allBuckets, the bucket's number in the journal
}

// bucket returns the named bucket of the schema.
func (t *txn) bucket(name []byte) *bkt {
	id, ok := bucketIDs[string(name)]
	if !ok {
		panic(fmt.Sprintf("index: unknown bucket %q", name))
	}
	return &bkt{Bucket: t.tx.Bucket(name), t: t, id: id}
}

// Put sets k to a copy of v (bbolt keeps the value slice until commit, and
// the transaction lives long, so callers' buffers must not be kept).
func (b *bkt) Put(k, v []byte) error {
	ch := b.t.ch
	if ch == nil {
		return errReadOnly
	}
	old, existed := b.lookup(k)
	v = append([]byte{}, v...)
	if err := b.Bucket.Put(k, v); err != nil {
		return err
	}
	ch.undo = append(ch.undo, undoEntry{b: b.Bucket, key: bytes.Clone(k), old: old, existed: existed})
	ch.rec.put(b.id, k, v)
	return b.afterChunkChange(k, v)
}

// lookup returns a copy of k's value and whether k exists (bbolt's Get
// cannot tell an empty value from an absent key).
func (b *bkt) lookup(k []byte) ([]byte, bool) {
	ck, v := b.Cursor().Seek(k)
	if ck == nil || !bytes.Equal(ck, k) {
		return nil, false
	}
	return append([]byte{}, v...), true
}

// Delete removes k; deleting an absent key is a no-op that records nothing.
func (b *bkt) Delete(k []byte) error {
	ch := b.t.ch
	if ch == nil {
		return errReadOnly
	}
	old, existed := b.lookup(k)
	if !existed {
		return nil
	}
	if err := b.Bucket.Delete(k); err != nil {
		return err
	}
	ch.undo = append(ch.undo, undoEntry{b: b.Bucket, key: bytes.Clone(k), old: old, existed: true})
	ch.rec.del(b.id, k)
	return b.afterChunkChange(k, nil)
}

// afterChunkChange keeps the staged-copy invariant: any change to a chunk
// (v: its new value, nil when deleted) drops the durable copy of its old
// bytes (SetChunkStagedCopy writes the new copy after changing the chunk),
// except that a truncate shortening a staged chunk shortens its copy.
func (b *bkt) afterChunkChange(k, v []byte) error {
	if b.id != bucketChunksID {
		return nil
	}
	cp := b.t.bucket(bucketCopies)
	if b.t.shrinkCopies && v != nil {
		if old, ok := cp.lookup(k); ok {
			if c, err := decodeChunk(v); err == nil && c.Kind == ChunkStaged && c.Len <= uint64(len(old)) {
				return cp.Put(k, old[:c.Len])
			}
		}
	}
	return cp.Delete(k)
}

// NextSequence increments the bucket's sequence and returns it.
func (b *bkt) NextSequence() (uint64, error) {
	if b.t.ch == nil {
		return 0, errReadOnly
	}
	if err := b.SetSequence(b.Sequence() + 1); err != nil {
		return 0, err
	}
	return b.Sequence(), nil
}

// SetSequence sets the bucket's sequence.
func (b *bkt) SetSequence(v uint64) error {
	ch := b.t.ch
	if ch == nil {
		return errReadOnly
	}
	old := b.Sequence()
	if err := b.Bucket.SetSequence(v); err != nil {
		return err
	}
	ch.undo = append(ch.undo, undoEntry{b: b.Bucket, oldSeq: old})
	ch.rec.seq(b.id, v)
	return nil
}

// rollback undoes the recorded changes, newest first.
func (ch *changes) rollback() error {
	for i := len(ch.undo) - 1; i >= 0; i-- {
		u := ch.undo[i]
		var err error
		switch {
		case u.key == nil:
			err = u.b.SetSequence(u.oldSeq)
		case !u.existed:
			err = u.b.Delete(u.key)
		default:
			err = u.b.Put(u.key, u.old)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// applyRecord applies one journal payload to tx (replay).
func applyRecord(tx *bolt.Tx, payload []byte) error {
	return decodeOps(payload, func(op, id byte, k, v []byte, seq uint64) error {
		if int(id) >= len(allBuckets) {
			return fmt.Errorf("bucket number %d: %w", id, errBadRecord)
		}
		b := tx.Bucket(allBuckets[id])
		switch op {
		case opPut:
			return b.Put(k, v)
		case opDel:
			return b.Delete(k)
		default:
			return b.SetSequence(seq)
		}
	})
}

// deletePrefix deletes every key of b starting with prefix. Keys are
// collected first: deleting under a live cursor can skip entries in bbolt.
func deletePrefix(b *bkt, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// hasPrefix reports whether b holds any key starting with prefix.
func hasPrefix(b *bkt, prefix []byte) bool {
	k, _ := b.Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// count returns the number of keys. bbolt's Stats().KeyN only sees
// committed pages, not this transaction's changes, so keys are walked.
func (b *bkt) count() uint64 {
	var n uint64
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
