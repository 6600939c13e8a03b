package certificate

import (
	"fmt"

	GG "github.com/cloudflare/circl/ecc/bls12381"
)

// Abort codes of walrus::bls_aggregate (MystenLabs/walrus
// contracts/walrus/sources/system/bls_aggregate.move, as of commit
// 3c1cacc11c9292ed498f01f798cf790f02ea5062).
const (
	EInvalidBitmap   uint64 = 0
	ESigVerification uint64 = 1
	ENotEnoughStake  uint64 = 2
)

// AbortError is a Move abort of walrus::bls_aggregate with Code.
type AbortError struct {
	Code uint64
	// Detail says what failed; it is not part of the on-chain abort.
	Detail string
}

// AbortCode is the bls_aggregate abort code (the simulated chain reads
// it through this method).
func (e *AbortError) AbortCode() uint64 { return e.Code }

func (e *AbortError) Error() string {
	name := map[uint64]string{EInvalidBitmap: "EInvalidBitmap", ESigVerification: "ESigVerification", ENotEnoughStake: "ENotEnoughStake"}[e.Code]
	return fmt.Sprintf("bls_aggregate abort %d %s: %s", e.Code, name, e.Detail)
}

// Check verifies a certificate the way certify_blob does on chain
// (bls_aggregate::verify_quorum_in_epoch → verify_certificate_and_weight),
// in the same order:
//
//  1. the bitmap is at most ceil(len(members)/8) bytes long (a shorter one
//     leaves the members past its end out) and has no bit set for an
//     index >= len(members), else EInvalidBitmap;
//  2. the signers' weight (n_shards minus the non-signers' weight) is a
//     quorum, 3*weight >= 2*n_shards+1, else ENotEnoughStake;
//  3. bls12381_min_pk_verify(sig, aggregate key of the signers, msg),
//     which returns false (sui::bls12381: "Otherwise, return false"), not
//     an abort, for malformed signature or key bytes, else
//     ESigVerification. Like fastcrypto it takes a 192-byte uncompressed
//     signature too.
//
// Those outcomes are returned as *AbortError. A committee the contract
// could not hold (a zero weight, more than 65535 shards, an invalid key)
// is an error wrapping ErrInvalidCommittee. Check does not look at the
// message's contents; certify_blob does that afterwards (epoch, blob ID).
func Check(members []Member, sig, bitmap, msg []byte) error {
	total, err := totalWeight(members)
	if err != nil {
		return err
	}
	keys := make([]*GG.G1, len(members))
	for i, m := range members {
		if keys[i], err = parsePublicKey(m.PublicKey); err != nil {
			return fmt.Errorf("%w: member %d: %w", ErrInvalidCommittee, i, err)
		}
	}

	n := len(members)
	maxLen := (n + 7) / 8
	if len(bitmap) > maxLen {
		return &AbortError{Code: EInvalidBitmap, Detail: fmt.Sprintf("bitmap of %d bytes for %d members (at most %d)", len(bitmap), n, maxLen)}
	}
	agg := new(GG.G1)
	agg.SetIdentity()
	nonSigners := 0
	for i := range maxLen * 8 {
		var byt byte
		if i/8 < len(bitmap) {
			byt = bitmap[i/8]
		}
		signer := byt>>(i%8)&1 == 1
		if i >= n {
			if signer {
				return &AbortError{Code: EInvalidBitmap, Detail: fmt.Sprintf("bit %d set past %d members", i, n)}
			}
			continue
		}
		if signer {
			agg.Add(agg, keys[i])
		} else {
			nonSigners += members[i].Weight
		}
	}
	weight := total - nonSigners
	if !IsQuorum(weight, total) {
		return &AbortError{Code: ENotEnoughStake, Detail: fmt.Sprintf("signers hold %d of %d shards, a quorum needs %d", weight, total, quorumWeight(total))}
	}
	// The contract computes the key as the committee's total key minus the
	// non-signers' keys; that is the sum of the signers' keys. An identity
	// key fails blst's key validation, so the native returns false.
	s, err := parseSignature(sig)
	if err != nil {
		return &AbortError{Code: ESigVerification, Detail: err.Error()}
	}
	if agg.IsIdentity() {
		return &AbortError{Code: ESigVerification, Detail: "aggregate public key is the point at infinity"}
	}
	if !pairingCheck(agg, hashToG2(msg), s) {
		return &AbortError{Code: ESigVerification, Detail: "aggregate signature does not verify"}
	}
	return nil
}
