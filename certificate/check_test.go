package certificate

import (
	"errors"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

// aggregateOf returns the aggregate signature of msg by the members at idx.
func aggregateOf(t *testing.T, keys []*SecretKey, msg []byte, idx ...int) []byte {
	t.Helper()
	var sigs [][]byte
	for _, i := range idx {
		sigs = append(sigs, keys[i].Sign(msg))
	}
	agg, err := Aggregate(sigs)
	if err != nil {
		t.Fatal(err)
	}
	return agg
}

func TestCheck(t *testing.T) {
	// 9 members so that the bitmap has 2 bytes and 7 unused bits.
	members, keys := committee(t, 1, 1, 1, 1, 1, 1, 1, 1, 1) // quorum: 7 of 9
	msg := Message(4, blobid.ID{4}, nil)
	first7 := aggregateOf(t, keys, msg, 0, 1, 2, 3, 4, 5, 6)
	first8 := aggregateOf(t, keys, msg, 0, 1, 2, 3, 4, 5, 6, 7)
	all := aggregateOf(t, keys, msg, 0, 1, 2, 3, 4, 5, 6, 7, 8)
	bad := badSignatures(t, all)
	for _, tc := range []struct {
		name   string
		sig    []byte
		bitmap []byte
		msg    []byte
		code   int // -1: valid
	}{
		{"all", all, []byte{0xff, 0x01}, msg, -1},
		{"seven, short bitmap", first7, []byte{0x7f}, msg, -1},
		{"seven, full bitmap", first7, []byte{0x7f, 0x00}, msg, -1},
		{"eight", first8, []byte{0xff}, msg, -1},
		{"bitmap too long", all, []byte{0xff, 0x01, 0x00}, msg, int(EInvalidBitmap)},
		{"bit 9 set", all, []byte{0xff, 0x03}, msg, int(EInvalidBitmap)},
		{"bit 15 set", all, []byte{0xff, 0x81}, msg, int(EInvalidBitmap)},
		{"extra bit before quorum check", first7, []byte{0x00, 0x80}, msg, int(EInvalidBitmap)},
		{"empty bitmap", all, nil, msg, int(ENotEnoughStake)},
		{"six signers", first7, []byte{0x3f}, msg, int(ENotEnoughStake)},
		{"no quorum is checked before the signature", bad[3].b, []byte{0x01}, msg, int(ENotEnoughStake)},
		{"bitmap claims one more signer", first7, []byte{0xff}, msg, int(ESigVerification)},
		{"bitmap claims one signer less", first8, []byte{0x7f}, msg, int(ESigVerification)},
		{"tampered message", all, []byte{0xff, 0x01}, Message(5, blobid.ID{4}, nil), int(ESigVerification)},
		{"single signature", keys[0].Sign(msg), []byte{0xff, 0x01}, msg, int(ESigVerification)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAbort(t, Check(members, tc.sig, tc.bitmap, tc.msg), tc.code)
		})
	}
	for _, bp := range bad {
		t.Run("signature "+bp.name, func(t *testing.T) {
			checkAbort(t, Check(members, bp.b, []byte{0xff, 0x01}, msg), int(ESigVerification))
		})
	}
}

// checkAbort checks that err is nil (code -1) or an *AbortError with code.
func checkAbort(t *testing.T, err error, code int) {
	t.Helper()
	if code < 0 {
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		return
	}
	var ae *AbortError
	if !errors.As(err, &ae) {
		t.Fatalf("Check: err = %v, want an abort with code %d", err, code)
	}
	if ae.Code != uint64(code) {
		t.Fatalf("Check: %v, want code %d", err, code)
	}
	if !strings.Contains(err.Error(), "bls_aggregate abort") {
		t.Fatalf("message %q", err)
	}
}

// TestCheckUneven: quorum by shards, not by members, on the uneven
// committee of 100 shards.
func TestCheckUneven(t *testing.T) {
	members, keys := committee(t, uneven...)
	msg := Message(4, blobid.ID{4}, nil)
	for _, tc := range []struct {
		name    string
		signers []int
		code    int
	}{
		{"67 of 100 shards, 4 of 7 members", []int{0, 2, 3, 6}, -1},
		{"60 of 100 shards, 6 of 7 members", []int{1, 2, 3, 4, 5, 6}, int(ENotEnoughStake)},
		{"66 of 100 shards", []int{0, 2, 4, 5}, int(ENotEnoughStake)},
		{"68 of 100 shards", []int{0, 1, 4}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signers := tc.signers
			checkAbort(t, Check(members, aggregateOf(t, keys, msg, signers...), Bitmap(signers, len(members)), msg), tc.code)
		})
	}
}

// TestCheckDuplicateKeys: two members with the same key count twice (the
// contract sums per member); a signature by that key once covers only one
// of them.
func TestCheckDuplicateKeys(t *testing.T) {
	members, keys := committee(t, 1, 1, 1, 1)
	members[1].PublicKey = members[0].PublicKey
	msg := Message(1, blobid.ID{}, nil)
	once := aggregateOf(t, keys, msg, 0, 2, 3)
	twice := aggregateOf(t, keys, msg, 0, 0, 2)
	checkAbort(t, Check(members, once, Bitmap([]int{0, 1, 2}, 4), msg), int(ESigVerification))
	checkAbort(t, Check(members, twice, Bitmap([]int{0, 1, 2}, 4), msg), -1)
	// For Build, member 1's copy of member 0's confirmation is a valid
	// signature under member 1's key.
	confs := confirm(keys, msg, 0, 2, 3)
	confs[1] = confs[0]
	cert, rej, err := Build(members, msg, confs)
	if err != nil || len(rej) != 0 || len(cert.Signers) != 4 {
		t.Fatalf("Build: %v, signers %v, rejected %v", err, cert.Signers, rej)
	}
	checkAbort(t, Check(members, cert.Signature, cert.Bitmap, msg), -1)
}

func TestCheckEmptyCommittee(t *testing.T) {
	checkAbort(t, Check(nil, make([]byte, 96), nil, nil), int(ENotEnoughStake))
	checkAbort(t, Check(nil, nil, []byte{0}, nil), int(EInvalidBitmap))
}

func TestCheckInvalidMemberKey(t *testing.T) {
	members, keys := committee(t, 1, 1)
	members[1].PublicKey = g1X(t, false)
	msg := Message(1, blobid.ID{}, nil)
	if err := Check(members, keys[0].Sign(msg), []byte{1}, msg); !errors.Is(err, ErrInvalidCommittee) || !errors.Is(err, ErrInvalidPublicKey) {
		t.Fatalf("err = %v, want ErrInvalidCommittee and ErrInvalidPublicKey", err)
	}
}
