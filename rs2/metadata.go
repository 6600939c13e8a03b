package rs2

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2/internal/b2"
	"golang.org/x/crypto/blake2b"
)

// EncodingTypeRS2 is the only supported encoding type (byte value 1).
const EncodingTypeRS2 = 1

// ErrInvalidMetadata is wrapped by every metadata decode or check failure.
var ErrInvalidMetadata = errors.New("invalid blob metadata")

// PairHashes are the Merkle roots of the two slivers of one sliver pair:
// Primary over the expanded row of primary sliver i, Secondary over the
// expanded column of secondary sliver n-1-i.
type PairHashes struct {
	Primary, Secondary Digest
}

// Metadata is BlobMetadataV1 for RS2: the unencoded length and one
// PairHashes per sliver pair (len(Hashes) = n).
type Metadata struct {
	Length uint64
	Hashes []PairHashes
}

// NShards is the shard count the metadata was computed for.
func (m *Metadata) NShards() int { return len(m.Hashes) }

// RootHash is the Merkle root over the n pair leaves (primary || secondary).
func (m *Metadata) RootHash() Digest {
	msgs := make([][]byte, len(m.Hashes))
	for i := range m.Hashes {
		buf := make([]byte, 64)
		copy(buf, m.Hashes[i].Primary[:])
		copy(buf[32:], m.Hashes[i].Secondary[:])
		msgs[i] = buf
	}
	leaves := make([]b2.Digest, len(msgs))
	if len(msgs) > 0 {
		b2.SumPrefixed(leaves, leafPrefix, msgs)
	}
	return merkleRoot(leaves)
}

// BlobID derives the blob ID: Blake2b256(0x01 || u64le(length) || root).
func (m *Metadata) BlobID() blobid.ID {
	return blobIDFromRoot(m.Length, m.RootHash())
}

func blobIDFromRoot(length uint64, root Digest) blobid.ID {
	var buf [41]byte
	buf[0] = EncodingTypeRS2
	binary.LittleEndian.PutUint64(buf[1:9], length)
	copy(buf[9:], root[:])
	return blobid.ID(blake2b.Sum256(buf[:]))
}

// Check verifies that the metadata is well formed for n shards and hashes
// to id. Metadata from the network is untrusted until Check passes.
func (m *Metadata) Check(id blobid.ID, n int) error {
	p, err := NewParams(n)
	if err != nil {
		return err
	}
	if len(m.Hashes) != n {
		return fmt.Errorf("%w: %d sliver pair hashes, want %d", ErrInvalidMetadata, len(m.Hashes), n)
	}
	if m.Length > p.MaxBlobSize() {
		return fmt.Errorf("%w: length %d exceeds the maximum %d", ErrInvalidMetadata, m.Length, p.MaxBlobSize())
	}
	if got := m.BlobID(); got != id {
		return fmt.Errorf("%w: metadata hashes to blob ID %s, want %s", ErrInvalidMetadata, got, id)
	}
	return nil
}

// MarshalBCS returns BCS BlobMetadata (enum V1): 0x00 || encoding type u8 ||
// length u64 || uleb128(n) || n x (primary Node || secondary Node), each Node
// 0x01 || 32 bytes. This is the body of PUT .../metadata.
func (m *Metadata) MarshalBCS() []byte {
	out := make([]byte, 0, 1+1+8+5+len(m.Hashes)*66)
	out = append(out, 0x00, EncodingTypeRS2)
	out = binary.LittleEndian.AppendUint64(out, m.Length)
	out = appendULEB128(out, uint64(len(m.Hashes)))
	for _, h := range m.Hashes {
		out = append(out, 0x01)
		out = append(out, h.Primary[:]...)
		out = append(out, 0x01)
		out = append(out, h.Secondary[:]...)
	}
	return out
}

// MarshalBCSWithID returns BCS BlobMetadataWithId: the 32-byte ID followed
// by MarshalBCS. This is the body of GET .../metadata.
func (m *Metadata) MarshalBCSWithID(id blobid.ID) []byte {
	return append(id[:], m.MarshalBCS()...)
}

// maxMetadataPairs bounds the pair count accepted from the wire.
const maxMetadataPairs = MaxShards

// UnmarshalMetadata decodes BCS BlobMetadata. It rejects trailing bytes,
// unknown versions or encoding types, and Empty hash nodes.
func UnmarshalMetadata(b []byte) (*Metadata, error) {
	r := bcsReader{b: b}
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, fmt.Errorf("%w: unknown metadata version %d", ErrInvalidMetadata, v)
	}
	if t := r.u8(); r.err == nil && t != EncodingTypeRS2 {
		return nil, fmt.Errorf("%w: unsupported encoding type %d", ErrInvalidMetadata, t)
	}
	m := &Metadata{Length: r.u64()}
	n := r.uleb128()
	if r.err == nil && n > maxMetadataPairs {
		return nil, fmt.Errorf("%w: %d sliver pairs", ErrInvalidMetadata, n)
	}
	if r.err == nil && uint64(r.remaining()) < n*2 {
		return nil, fmt.Errorf("%w: truncated", ErrInvalidMetadata)
	}
	if r.err == nil {
		m.Hashes = make([]PairHashes, n)
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		m.Hashes[i].Primary = r.node()
		m.Hashes[i].Secondary = r.node()
	}
	if r.err == nil && r.remaining() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrInvalidMetadata, r.remaining())
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, r.err)
	}
	return m, nil
}

// UnmarshalMetadataWithID decodes BCS BlobMetadataWithId.
func UnmarshalMetadataWithID(b []byte) (blobid.ID, *Metadata, error) {
	var id blobid.ID
	if len(b) < 32 {
		return id, nil, fmt.Errorf("%w: truncated blob ID", ErrInvalidMetadata)
	}
	copy(id[:], b)
	m, err := UnmarshalMetadata(b[32:])
	return id, m, err
}
