package index

import (
	"encoding/binary"
	"fmt"
)

// Bucket names. The schema (keys and values) is documented in doc.go; any
// change to an encoding below must bump schemaVersion.
var (
	bucketMeta     = []byte("meta")
	bucketInodes   = []byte("inodes")
	bucketDirents  = []byte("dirents")
	bucketXattrs   = []byte("xattrs")
	bucketChunks   = []byte("chunks")
	bucketRefs     = []byte("refs")
	bucketDead     = []byte("deadblobs")
	bucketOrphans  = []byte("orphans")
	bucketQueue    = []byte("uploadq")
	bucketFailures = []byte("failures")
	bucketCopies   = []byte("stagedcopy")

	// allBuckets is the schema's buckets; a bucket's position here is its
	// number in journal records, so only append.
	allBuckets = [][]byte{bucketMeta, bucketInodes, bucketDirents, bucketXattrs,
		bucketChunks, bucketRefs, bucketDead, bucketOrphans, bucketQueue, bucketFailures, bucketCopies}
	bucketIDs = func() map[string]byte {
		m := make(map[string]byte, len(allBuckets))
		for i, b := range allBuckets {
			m[string(b)] = byte(i)
		}
		return m
	}()
	bucketChunksID = bucketIDs[string(bucketChunks)]

	metaVersion = []byte("version")
	metaInodes  = []byte("count.inodes") // number of inode records
	metaBytes   = []byte("count.bytes")  // sum of Size over regular files
	metaJournal = []byte("journal.gen")  // generation of the journal records not yet in this file
)

// u64 encodes v as 8 big-endian bytes, so byte order equals numeric order.
func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// getU64 decodes an 8-byte big-endian value; anything else is ErrCorrupt.
func getU64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("index: %d-byte integer value: %w", len(b), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(b), nil
}

// inoKey is the 8-byte key of an inode in inodes, orphans, uploadq, failures.
func inoKey(ino uint64) []byte { return u64(ino) }

// pairKey is ino followed by a name (dirents, xattrs): all entries of one
// inode are contiguous and sorted by name bytes.
func pairKey(ino uint64, name string) []byte {
	k := make([]byte, 8, 8+len(name))
	binary.BigEndian.PutUint64(k, ino)
	return append(k, name...)
}

// chunkKey is ino followed by the big-endian chunk index.
func chunkKey(ino, idx uint64) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], ino)
	binary.BigEndian.PutUint64(k[8:], idx)
	return k[:]
}

// splitChunkKey is the inverse of chunkKey.
func splitChunkKey(k []byte) (ino, idx uint64, err error) {
	if len(k) != 16 {
		return 0, 0, fmt.Errorf("index: chunk key of %d bytes: %w", len(k), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:]), nil
}

// splitPairKey is the inverse of pairKey.
func splitPairKey(k []byte) (ino uint64, name string, err error) {
	if len(k) < 8 {
		return 0, "", fmt.Errorf("index: key of %d bytes: %w", len(k), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(k[:8]), string(k[8:]), nil
}

// direntValue is child ino (8 bytes) followed by the child's type (1 byte).
func direntValue(child uint64, t Type) []byte {
	v := make([]byte, 9)
	binary.BigEndian.PutUint64(v, child)
	v[8] = byte(t)
	return v
}

// decodeDirent is the inverse of direntValue.
func decodeDirent(v []byte) (uint64, Type, error) {
	if len(v) != 9 {
		return 0, 0, fmt.Errorf("index: dirent value of %d bytes: %w", len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), Type(v[8]), nil
}

// encodeChunk stores a ChunkState: kind (1), len (8) and, for stored chunks,
// blob (32), offset (8), length (8), and for sealed extents the wrapped
// key (72).
func encodeChunk(c ChunkState) []byte {
	b := make([]byte, 0, 57+WrappedKeySize)
	b = append(b, byte(c.Kind))
	b = binary.BigEndian.AppendUint64(b, c.Len)
	if c.Kind == ChunkStored {
		b = append(b, c.Extent.Blob[:]...)
		b = binary.BigEndian.AppendUint64(b, c.Extent.Offset)
		b = binary.BigEndian.AppendUint64(b, c.Extent.Length)
		if c.Extent.Key.Sealed() {
			b = append(b, c.Extent.Key[:]...)
		}
	}
	return b
}

// decodeChunk is the inverse of encodeChunk.
func decodeChunk(v []byte) (ChunkState, error) {
	var c ChunkState
	switch {
	case len(v) == 9 && ChunkKind(v[0]) == ChunkStaged:
	case (len(v) == 57 || len(v) == 57+WrappedKeySize) && ChunkKind(v[0]) == ChunkStored:
		copy(c.Extent.Blob[:], v[9:41])
		c.Extent.Offset = binary.BigEndian.Uint64(v[41:49])
		c.Extent.Length = binary.BigEndian.Uint64(v[49:57])
		copy(c.Extent.Key[:], v[57:])
		if len(v) > 57 && !c.Extent.Key.Sealed() {
			return c, fmt.Errorf("index: chunk value with an all-zero key: %w", ErrCorrupt)
		}
	default:
		return c, fmt.Errorf("index: chunk value of %d bytes: %w", len(v), ErrCorrupt)
	}
	c.Kind = ChunkKind(v[0])
	c.Len = binary.BigEndian.Uint64(v[1:9])
	return c, nil
}
