package encoding

import (
	"fmt"

	"github.com/walrusfs/walrusfs/encoding/internal/b2"
)

// VerifySliver checks an untrusted sliver against metadata that has already
// been checked against its blob ID (Metadata.Check): shape (index, symbol
// size, length) and content (the Merkle root of the expanded row or column
// must equal the hash in the metadata). It returns an error wrapping
// ErrInvalidSliver on any mismatch.
func (e *Encoder) VerifySliver(m *Metadata, s *Sliver) error {
	p := e.p
	if len(m.Hashes) != p.N {
		return fmt.Errorf("%w: metadata has %d pairs, encoder %d shards", ErrInvalidMetadata, len(m.Hashes), p.N)
	}
	ss, err := s.checkShape(p, m.Length)
	if err != nil {
		return err
	}
	var want Digest
	var expanded []byte
	switch s.Type {
	case Primary:
		want = m.Hashes[s.Index].Primary
		expanded, err = e.expand(e.rows, s.Data, p.S, p.F, ss)
	case Secondary:
		want = m.Hashes[p.N-1-int(s.Index)].Secondary
		expanded, err = e.expand(e.cols, s.Data, p.P, 2*p.F, ss)
	default:
		return fmt.Errorf("%w: unknown sliver type %d", ErrInvalidSliver, s.Type)
	}
	if err != nil {
		return err
	}
	if got := hashSymbols(expanded, ss); got != want {
		return fmt.Errorf("%w: %s sliver %d does not match its hash in the metadata", ErrInvalidSliver, s.Type, s.Index)
	}
	return nil
}

// expand returns the k source symbols of data followed by their r repair
// symbols under code c.
func (e *Encoder) expand(c *rsCode, data []byte, k, r, ss int) ([]byte, error) {
	l := newLayout(ss, 1)
	src := makeShards(k, l.size)
	out := makeShards(r, l.size)
	for i := range k {
		l.put(src[i], 0, data[i*ss:(i+1)*ss])
	}
	if err := c.encode(src, out, c.newScratch(l.size)); err != nil {
		return nil, err
	}
	full := make([]byte, (k+r)*ss)
	copy(full, data[:k*ss])
	for i := range r {
		l.get(full[(k+i)*ss:(k+i+1)*ss], out[i], 0)
	}
	return full, nil
}

// hashSymbols is the Merkle root over the symbols of buf.
func hashSymbols(buf []byte, ss int) Digest {
	n := len(buf) / ss
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = buf[i*ss : (i+1)*ss]
	}
	leaves := make([]b2.Digest, n)
	b2.SumPrefixed(leaves, leafPrefix, msgs)
	return merkleRoot(leaves)
}
