package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	GG "github.com/cloudflare/circl/ecc/bls12381"
)

var (
	// ErrNoQuorum reports signers that do not hold a quorum of the shards.
	ErrNoQuorum = errors.New("certificate: not enough shards for a quorum")
	// ErrMessageMismatch reports a confirmation of other bytes than the
	// expected message.
	ErrMessageMismatch = errors.New("certificate: confirmation of another message")
	// ErrUnknownMember reports a confirmation from an index outside the
	// committee.
	ErrUnknownMember = errors.New("certificate: not a committee member")
	// ErrInvalidCommittee reports a committee the contract could not hold.
	ErrInvalidCommittee = errors.New("certificate: invalid committee")
)

// maxWeight is the largest total weight: the contract keeps weights and
// n_shards in u16.
const maxWeight = 1<<16 - 1

// Member is one committee member, in the order of the on-chain
// BlsCommittee: its 48-byte compressed public key and its weight (number
// of shards).
type Member struct {
	PublicKey []byte
	Weight    int
}

// Certificate is what system::certify_blob takes: the aggregate signature
// (96 bytes), the signers bitmap and the signed message. Signers lists the
// committee indices of the signers in increasing order.
type Certificate struct {
	Signature, Bitmap, Message []byte
	Signers                    []int
}

// Rejected is a confirmation Build left out, and why.
type Rejected struct {
	Member int
	Err    error
}

// IsQuorum reports whether weight shards out of total form a quorum:
// 3*weight >= 2*total+1 (bls_aggregate.move is_quorum).
func IsQuorum(weight, total int) bool {
	return 3*weight >= 2*total+1
}

// quorumWeight is the smallest weight that is a quorum of total.
func quorumWeight(total int) int {
	return (2*total + 1 + 2) / 3
}

// Bitmap returns the signers bitmap for a committee of members: bit i%8 of
// byte i/8 is set for each signer i, in ceil(members/8) bytes. Repeated
// signers set their bit once. It panics if a signer is not in
// [0, members).
func Bitmap(signers []int, members int) []byte {
	b := make([]byte, (members+7)/8)
	for _, i := range signers {
		if i < 0 || i >= members {
			panic(fmt.Sprintf("certificate: signer %d outside a committee of %d", i, members))
		}
		b[i/8] |= 1 << (i % 8)
	}
	return b
}

// totalWeight checks the weights the way the contract holds them (each in
// [1, 65535], their sum in u16) and returns their sum, n_shards.
func totalWeight(members []Member) (int, error) {
	total := 0
	for i, m := range members {
		if m.Weight <= 0 || m.Weight > maxWeight {
			return 0, fmt.Errorf("%w: member %d has weight %d", ErrInvalidCommittee, i, m.Weight)
		}
		total += m.Weight
		if total > maxWeight {
			return 0, fmt.Errorf("%w: more than %d shards in all", ErrInvalidCommittee, maxWeight)
		}
	}
	return total, nil
}

// candidate is a confirmation whose bytes parsed.
type candidate struct {
	member int
	pk     *GG.G1
	sig    *GG.G2
}

// Build makes a certificate for msg from the confirmations confs, keyed
// by committee index. It keeps a confirmation only if its message is
// byte-equal to msg and its signature verifies against the member's key;
// the others are returned as Rejected (in member order). It aggregates the
// kept signatures and verifies the aggregate once; only when that fails
// does it look for the bad signatures, by verifying halves of the set
// (splitBad). It returns an error wrapping ErrNoQuorum, naming the
// weights, unless the kept signers hold a quorum of the shards (IsQuorum);
// when the well-formed confirmations could not make a quorum even if all
// verified, it says so without verifying any. It returns
// ErrInvalidCommittee for weights the contract could not hold.
func Build(members []Member, msg []byte, confs map[int]Confirmation) (Certificate, []Rejected, error) {
	total, err := totalWeight(members)
	if err != nil {
		return Certificate{}, nil, err
	}
	var rejected []Rejected
	reject := func(i int, err error) { rejected = append(rejected, Rejected{Member: i, Err: err}) }

	keys := slices.Sorted(maps.Keys(confs))
	cands := make([]candidate, 0, len(keys))
	weight := 0
	for _, i := range keys {
		c := confs[i]
		if i < 0 || i >= len(members) {
			reject(i, fmt.Errorf("%w: index %d of %d", ErrUnknownMember, i, len(members)))
			continue
		}
		if !bytes.Equal(c.Message, msg) {
			reject(i, fmt.Errorf("member %d: %w", i, ErrMessageMismatch))
			continue
		}
		pk, err := parsePublicKey(members[i].PublicKey)
		if err != nil {
			reject(i, fmt.Errorf("member %d: %w", i, err))
			continue
		}
		sig, err := parseSignature(c.Signature)
		if err != nil {
			reject(i, fmt.Errorf("member %d: %w", i, err))
			continue
		}
		cands = append(cands, candidate{member: i, pk: pk, sig: sig})
		weight += members[i].Weight
	}
	noQuorum := func(w int) error {
		return fmt.Errorf("%w: signers hold %d of %d shards, a quorum needs %d", ErrNoQuorum, w, total, quorumWeight(total))
	}
	// Even if every remaining signature verifies there is no quorum: spare
	// the pairings.
	if !IsQuorum(weight, total) {
		return Certificate{}, rejected, noQuorum(weight)
	}

	h := hashToG2(msg)
	pk, sig := sumCandidates(cands)
	if !pairingCheck(pk, h, sig) {
		var bad []candidate
		cands, bad = splitBad(cands, h)
		weight = 0
		for _, c := range cands {
			weight += members[c.member].Weight
		}
		for _, c := range bad {
			reject(c.member, fmt.Errorf("member %d: %w", c.member, ErrVerify))
		}
		slices.SortFunc(rejected, func(a, b Rejected) int { return a.Member - b.Member })
		if !IsQuorum(weight, total) {
			return Certificate{}, rejected, noQuorum(weight)
		}
		// Each kept group verifies, so their sum verifies too.
		pk, sig = sumCandidates(cands)
	}
	if pk.IsIdentity() {
		// Only keys registered as P and -P can do this; the chain's
		// verification refuses the identity key.
		return Certificate{}, rejected, fmt.Errorf("%w: the signers' public keys add up to the point at infinity", ErrVerify)
	}

	signers := make([]int, len(cands))
	for j, c := range cands {
		signers[j] = c.member
	}
	return Certificate{
		Signature: sig.BytesCompressed(),
		Bitmap:    Bitmap(signers, len(members)),
		Message:   bytes.Clone(msg),
		Signers:   signers,
	}, rejected, nil
}

// splitBad separates cands, whose aggregate does not verify against h,
// into those in groups that verify and the bad ones, by halving: with b
// bad signatures among n it needs about 2·b·log2(n) pairing checks
// instead of n, and at most 2n-1. Both results keep the order of cands.
func splitBad(cands []candidate, h *GG.G2) (good, bad []candidate) {
	if len(cands) == 1 {
		return nil, cands
	}
	var walk func(part []candidate)
	walk = func(part []candidate) {
		if pk, sig := sumCandidates(part); pairingCheck(pk, h, sig) {
			good = append(good, part...)
			return
		}
		if len(part) == 1 {
			bad = append(bad, part[0])
			return
		}
		walk(part[:len(part)/2])
		walk(part[len(part)/2:])
	}
	// The whole set is known to fail: start with its halves.
	walk(cands[:len(cands)/2])
	walk(cands[len(cands)/2:])
	return good, bad
}

// sumCandidates adds the public keys and the signatures of cands.
func sumCandidates(cands []candidate) (*GG.G1, *GG.G2) {
	pk, sig := new(GG.G1), new(GG.G2)
	pk.SetIdentity()
	sig.SetIdentity()
	for _, c := range cands {
		pk.Add(pk, c.pk)
		sig.Add(sig, c.sig)
	}
	return pk, sig
}
