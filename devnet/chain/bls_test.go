package chain

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cloudflare/circl/ecc/bls12381"
	"github.com/cloudflare/circl/sign/bls"
)

// blsCheck verifies a real BLS12-381 min-pk certificate as
// bls_aggregate::verify_certificate_and_weight does: bitmap rules,
// quorum by shard weight, and the aggregate signature against the sum
// of the signers' keys.
func blsCheck(members []CertMember, sig, bitmap, msg []byte) error {
	if len(bitmap) > (len(members)+7)/8 {
		return certErr(0)
	}
	var sum bls12381.G1
	sum.SetIdentity()
	total, weight := 0, 0
	for i, m := range members {
		total += m.Weight
		if i/8 >= len(bitmap) || bitmap[i/8]>>(i%8)&1 == 0 {
			continue
		}
		var p bls12381.G1
		if err := p.SetBytes(m.PublicKey); err != nil {
			return fmt.Errorf("member %d key: %w", i, err)
		}
		sum.Add(&sum, &p)
		weight += m.Weight
	}
	for i := len(members); i < len(bitmap)*8; i++ {
		if bitmap[i/8]>>(i%8)&1 == 1 {
			return certErr(0)
		}
	}
	if 3*weight < 2*total+1 {
		return certErr(2)
	}
	var pub bls.PublicKey[bls.KeyG1SigG2]
	if err := pub.UnmarshalBinary(sum.BytesCompressed()); err != nil {
		return errors.Join(certErr(1), err)
	}
	if !bls.Verify(&pub, msg, sig) {
		return certErr(1)
	}
	return nil
}

// With real node keys the committee's keys (48-byte compressed in
// CertMember, 96-byte uncompressed on chain) verify real signatures.
func TestRealBLSCertificate(t *testing.T) {
	var keys []*bls.PrivateKey[bls.KeyG1SigG2]
	h := newHarness(t, func(o *Options) {
		o.CheckCertificate = blsCheck
		for i := range o.Members {
			k, err := bls.KeyGen[bls.KeyG1SigG2]([]byte(fmt.Sprintf("devnet test storage node key material %04d", i)), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			pk, _ := k.PublicKey().MarshalBinary()
			o.Members[i].PublicKey = pk
			keys = append(keys, k)
		}
	})
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, _ := h.register(u, 1, 1000, 3, true)
	msg := msgFor(h, bl)
	aggregate := func(signers ...int) []byte {
		var sigs []bls.Signature
		for _, i := range signers {
			sigs = append(sigs, bls.Sign(keys[i], msg))
		}
		s, err := bls.Aggregate(bls.KeyG1SigG2{}, sigs)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Members 0, 1 and 3 hold 3+3+2 = 8 of 10 shards: a quorum, but the
	// signature must match the bitmap.
	r, err := h.certifyTx(u, bl, msg, aggregate(0, 1, 3), []byte{0b1011}).exec()
	if err != nil || !r.Success {
		t.Fatalf("certify with a real certificate: %v %+v", err, r)
	}
	bl2, _ := h.register(u, 2, 1000, 3, true)
	msg2 := msgFor(h, bl2)
	if r, err = h.certifyTx(u, bl2, msg2, aggregate(0, 1, 3), []byte{0b0111}).exec(); err != nil || r.AbortModule != "bls_aggregate" || r.AbortCode != 1 {
		t.Fatalf("signature of the wrong message and signers: %v %+v", err, r)
	}
}
