package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

// committee returns members with the given weights and their keys.
func committee(t testing.TB, weights ...int) ([]Member, []*SecretKey) {
	t.Helper()
	members := make([]Member, len(weights))
	keys := make([]*SecretKey, len(weights))
	for i, w := range weights {
		keys[i] = testKey(t, 1000+i)
		members[i] = Member{PublicKey: keys[i].PublicKey(), Weight: w}
	}
	return members, keys
}

// confirm returns the confirmations of msg by the members at idx.
func confirm(keys []*SecretKey, msg []byte, idx ...int) map[int]Confirmation {
	confs := make(map[int]Confirmation, len(idx))
	for _, i := range idx {
		confs[i] = Confirmation{Message: msg, Signature: keys[i].Sign(msg)}
	}
	return confs
}

func TestIsQuorum(t *testing.T) {
	for _, tc := range []struct {
		weight, total int
		want          bool
	}{
		{67, 100, true}, // 3*67 = 201 = 2*100+1 exactly
		{66, 100, false},
		{667, 1000, true}, // 2001 = 2001
		{666, 1000, false},
		{5, 7, true}, // 15 = 15
		{4, 7, false},
		{3, 4, true}, // 9 = 9
		{2, 4, false},
		{3, 3, true},
		{2, 3, false}, // 6 < 7
		{1, 1, true},
		{0, 0, false}, // an empty committee never has a quorum
		{0, 1, false},
	} {
		if got := IsQuorum(tc.weight, tc.total); got != tc.want {
			t.Errorf("IsQuorum(%d, %d) = %v, want %v", tc.weight, tc.total, got, tc.want)
		}
		if tc.total > 0 && (tc.weight >= quorumWeight(tc.total)) != tc.want {
			t.Errorf("quorumWeight(%d) = %d disagrees with IsQuorum(%d)", tc.total, quorumWeight(tc.total), tc.weight)
		}
	}
}

func TestBitmap(t *testing.T) {
	for _, tc := range []struct {
		signers []int
		members int
		want    []byte
	}{
		{nil, 0, []byte{}},
		{nil, 7, []byte{0}},
		{[]int{0, 6}, 7, []byte{0x41}},
		{[]int{7}, 8, []byte{0x80}},
		{[]int{0, 8}, 9, []byte{0x01, 0x01}},
		{[]int{8, 0, 8, 0}, 9, []byte{0x01, 0x01}}, // duplicates set their bit once
		{[]int{3, 1, 2}, 100, append([]byte{0x0e}, make([]byte, 12)...)},
		{[]int{99}, 100, append(make([]byte, 12), 0x08)},
	} {
		if got := Bitmap(tc.signers, tc.members); !bytes.Equal(got, tc.want) {
			t.Errorf("Bitmap(%v, %d) = %x, want %x", tc.signers, tc.members, got, tc.want)
		}
	}
	for _, tc := range []struct{ signer, members int }{{-1, 8}, {8, 8}, {7, 7}, {0, 0}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "outside a committee") {
					t.Errorf("Bitmap([%d], %d): recover() = %v, want a panic", tc.signer, tc.members, r)
				}
			}()
			Bitmap([]int{tc.signer}, tc.members)
		}()
	}
}

// uneven is a committee of 7 members holding 100 shards unevenly; a quorum
// needs 67 shards.
var uneven = []int{40, 20, 13, 10, 8, 5, 4}

func TestBuildQuorum(t *testing.T) {
	members, keys := committee(t, uneven...)
	msg := Message(12, blobid.ID{9}, nil)
	for _, tc := range []struct {
		name    string
		signers []int
		weight  int
		ok      bool
	}{
		{"all", []int{0, 1, 2, 3, 4, 5, 6}, 100, true},
		{"exactly 2n+1 over 3", []int{0, 2, 3, 6}, 67, true},
		{"one short", []int{0, 1, 6}, 64, false},
		{"68", []int{0, 1, 4}, 68, true},
		{"six of seven nodes without the big one", []int{1, 2, 3, 4, 5, 6}, 60, false},
		{"big one alone", []int{0}, 40, false},
		{"none", nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert, rej, err := Build(members, msg, confirm(keys, msg, tc.signers...))
			if len(rej) != 0 {
				t.Fatalf("rejected %v", rej)
			}
			if !tc.ok {
				if !errors.Is(err, ErrNoQuorum) {
					t.Fatalf("err = %v, want ErrNoQuorum", err)
				}
				want := fmt.Sprintf("signers hold %d of 100 shards, a quorum needs 67", tc.weight)
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %q, want it to say %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cert.Signers, tc.signers) {
				t.Fatalf("Signers = %v, want %v", cert.Signers, tc.signers)
			}
			checkCertificate(t, members, msg, cert)
		})
	}
}

// checkCertificate checks cert independently of Build: bitmap, aggregate
// of the signers' signatures, and the on-chain Check.
func checkCertificate(t *testing.T, members []Member, msg []byte, cert Certificate) {
	t.Helper()
	if !bytes.Equal(cert.Message, msg) {
		t.Fatalf("Message = %x, want %x", cert.Message, msg)
	}
	if !bytes.Equal(cert.Bitmap, Bitmap(cert.Signers, len(members))) {
		t.Fatalf("Bitmap = %x for signers %v", cert.Bitmap, cert.Signers)
	}
	var pks [][]byte
	for _, i := range cert.Signers {
		pks = append(pks, members[i].PublicKey)
	}
	if err := VerifyAggregate(pks, msg, cert.Signature); err != nil {
		t.Fatalf("VerifyAggregate: %v", err)
	}
	// Check needs a committee the contract could hold: all keys valid.
	for _, m := range members {
		if _, err := parsePublicKey(m.PublicKey); err != nil {
			return
		}
	}
	if err := Check(members, cert.Signature, cert.Bitmap, cert.Message); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestBuildRejects(t *testing.T) {
	members, keys := committee(t, uneven...)
	var obj [32]byte
	obj[31] = 1
	msg := Message(12, blobid.ID{9}, &obj)
	other := Message(13, blobid.ID{9}, &obj)
	badSig := badSignatures(t, keys[0].Sign(msg))
	// A member whose key cannot be parsed.
	brokenKey := slices.Clone(members)
	brokenKey[2].PublicKey = g1X(t, true)

	all := []int{0, 1, 2, 3, 4, 5, 6}
	with := func(confs map[int]Confirmation, i int, c Confirmation) map[int]Confirmation {
		confs[i] = c
		return confs
	}
	for _, tc := range []struct {
		name     string
		members  []Member
		confs    map[int]Confirmation
		rejected map[int]error // member → reason
		signers  []int
		noQuorum bool
	}{
		{
			name:     "garbage signature from a small member, quorum without it",
			confs:    with(confirm(keys, msg, all...), 6, Confirmation{Message: msg, Signature: keys[6].Sign(other)}),
			rejected: map[int]error{6: ErrVerify},
			signers:  []int{0, 1, 2, 3, 4, 5},
		},
		{
			name:     "garbage signature from the big member, no quorum",
			confs:    with(confirm(keys, msg, all...), 0, Confirmation{Message: msg, Signature: keys[1].Sign(msg)}),
			rejected: map[int]error{0: ErrVerify},
			noQuorum: true,
		},
		{
			name:     "two garbage signatures, quorum without them",
			confs:    with(with(confirm(keys, msg, all...), 3, Confirmation{Message: msg, Signature: keys[4].Sign(msg)}), 5, Confirmation{Message: msg, Signature: keys[5].Sign(nil)}),
			rejected: map[int]error{3: ErrVerify, 5: ErrVerify},
			signers:  []int{0, 1, 2, 4, 6},
		},
		{
			name:     "signature not in the subgroup",
			confs:    with(confirm(keys, msg, all...), 4, Confirmation{Message: msg, Signature: g2X(t, true)}),
			rejected: map[int]error{4: ErrInvalidSignature},
			signers:  []int{0, 1, 2, 3, 5, 6},
		},
		{
			name:     "signature at infinity",
			confs:    with(confirm(keys, msg, all...), 4, Confirmation{Message: msg, Signature: badSig[3].b}),
			rejected: map[int]error{4: ErrInvalidSignature},
			signers:  []int{0, 1, 2, 3, 5, 6},
		},
		{
			name:     "short signature",
			confs:    with(confirm(keys, msg, all...), 1, Confirmation{Message: msg, Signature: badSig[1].b}),
			rejected: map[int]error{1: ErrInvalidSignature},
			signers:  []int{0, 2, 3, 4, 5, 6},
		},
		{
			name:     "confirmation of another epoch, validly signed",
			confs:    with(confirm(keys, msg, all...), 1, confirm(keys, other, 1)[1]),
			rejected: map[int]error{1: ErrMessageMismatch},
			signers:  []int{0, 2, 3, 4, 5, 6},
		},
		{
			name:     "tampered message (permanent instead of deletable)",
			confs:    with(confirm(keys, msg, all...), 0, confirm(keys, Message(12, blobid.ID{9}, nil), 0)[0]),
			rejected: map[int]error{0: ErrMessageMismatch},
			noQuorum: true,
		},
		{
			name:     "indices outside the committee",
			confs:    with(with(confirm(keys, msg, 0, 1, 6), -1, confirm(keys, msg, 2)[2]), 7, confirm(keys, msg, 3)[3]),
			rejected: map[int]error{-1: ErrUnknownMember, 7: ErrUnknownMember},
			signers:  []int{0, 1, 6},
			noQuorum: true,
		},
		{
			name:     "member with an invalid key",
			members:  brokenKey,
			confs:    confirm(keys, msg, all...),
			rejected: map[int]error{2: ErrInvalidPublicKey},
			signers:  []int{0, 1, 3, 4, 5, 6},
		},
		{
			name:     "missing members are not rejected",
			confs:    confirm(keys, msg, 0, 1, 2),
			rejected: map[int]error{},
			signers:  []int{0, 1, 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := members
			if tc.members != nil {
				m = tc.members
			}
			cert, rej, err := Build(m, msg, tc.confs)
			got := map[int]error{}
			for j, r := range rej {
				if j > 0 && rej[j-1].Member >= r.Member {
					t.Errorf("rejected not in member order: %v", rej)
				}
				got[r.Member] = r.Err
			}
			if len(got) != len(tc.rejected) {
				t.Fatalf("rejected %v, want members %v", rej, tc.rejected)
			}
			for i, want := range tc.rejected {
				if !errors.Is(got[i], want) {
					t.Errorf("member %d rejected with %v, want %v", i, got[i], want)
				}
			}
			if tc.noQuorum {
				if !errors.Is(err, ErrNoQuorum) {
					t.Fatalf("err = %v, want ErrNoQuorum", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cert.Signers, tc.signers) {
				t.Fatalf("Signers = %v, want %v", cert.Signers, tc.signers)
			}
			checkCertificate(t, m, msg, cert)
		})
	}
}

// TestBuildSwappedSignatures: two members that swap their (valid)
// signatures pass the aggregate check: the sum is the same, and so is the
// on-chain verdict. Build relies on the aggregate, as certify_blob does.
func TestBuildSwappedSignatures(t *testing.T) {
	members, keys := committee(t, 1, 1, 1, 1)
	msg := Message(1, blobid.ID{1}, nil)
	confs := confirm(keys, msg, 0, 1, 2)
	confs[0], confs[1] = confs[1], confs[0]
	cert, rej, err := Build(members, msg, confs)
	if err != nil || len(rej) != 0 {
		t.Fatalf("Build: %v, rejected %v", err, rej)
	}
	checkCertificate(t, members, msg, cert)
	// Only one of them: now the aggregate fails and the bad one is found.
	confs = confirm(keys, msg, 0, 1, 2, 3)
	confs[0] = confs[1]
	cert, rej, err = Build(members, msg, confs)
	if err != nil || len(rej) != 1 || rej[0].Member != 0 || !errors.Is(rej[0].Err, ErrVerify) {
		t.Fatalf("Build: %v, rejected %v", err, rej)
	}
	checkCertificate(t, members, msg, cert)
}

func TestBuildInvalidCommittee(t *testing.T) {
	_, keys := committee(t, 1)
	pk := keys[0].PublicKey()
	msg := Message(1, blobid.ID{}, nil)
	for _, tc := range []struct {
		name    string
		members []Member
	}{
		{"zero weight", []Member{{pk, 1}, {pk, 0}}},
		{"negative weight", []Member{{pk, -1}}},
		{"weight above u16", []Member{{pk, 1 << 16}}},
		{"n_shards above u16", []Member{{pk, 40000}, {pk, 40000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Build(tc.members, msg, confirm(keys, msg, 0)); !errors.Is(err, ErrInvalidCommittee) {
				t.Fatalf("Build: err = %v, want ErrInvalidCommittee", err)
			}
			if err := Check(tc.members, keys[0].Sign(msg), []byte{1}, msg); !errors.Is(err, ErrInvalidCommittee) {
				t.Fatalf("Check: err = %v, want ErrInvalidCommittee", err)
			}
		})
	}
}

// TestBuildCopiesInputs: the certificate does not alias the caller's
// message.
func TestBuildCopiesInputs(t *testing.T) {
	members, keys := committee(t, 1)
	msg := Message(1, blobid.ID{}, nil)
	cert, _, err := Build(members, msg, confirm(keys, msg, 0))
	if err != nil {
		t.Fatal(err)
	}
	msg[0] = 0xff
	if cert.Message[0] != 0x01 {
		t.Fatal("Certificate.Message aliases the input")
	}
}

// TestBuildFindsEveryBadSignature: for random sets of bad signatures,
// Build rejects exactly those and keeps the rest.
func TestBuildFindsEveryBadSignature(t *testing.T) {
	weights := make([]int, 23)
	for i := range weights {
		weights[i] = 1 // quorum: 16 of 23
	}
	members, keys := committee(t, weights...)
	msg := Message(2, blobid.ID{2}, nil)
	all := make([]int, len(members))
	for i := range all {
		all[i] = i
	}
	good := confirm(keys, msg, all...)
	// Signatures of another message: no two of them add up to a valid one.
	wrong := confirm(keys, Message(3, blobid.ID{2}, nil), all...)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 24 {
		nBad := round % 10
		if round == 23 {
			nBad = len(members) // all bad
		}
		badSet := rng.Perm(len(members))[:nBad]
		confs := maps.Clone(good)
		for _, i := range badSet {
			confs[i] = Confirmation{Message: msg, Signature: wrong[i].Signature}
		}
		cert, rej, err := Build(members, msg, confs)
		var gotBad []int
		for _, r := range rej {
			if !errors.Is(r.Err, ErrVerify) {
				t.Fatalf("round %d: member %d rejected with %v", round, r.Member, r.Err)
			}
			gotBad = append(gotBad, r.Member)
		}
		slices.Sort(badSet)
		if !slices.Equal(gotBad, badSet) {
			t.Fatalf("round %d: rejected %v, want %v", round, gotBad, badSet)
		}
		if len(members)-nBad < 16 {
			if !errors.Is(err, ErrNoQuorum) {
				t.Fatalf("round %d: err = %v, want ErrNoQuorum", round, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(cert.Signers) != len(members)-nBad {
			t.Fatalf("round %d: %d signers", round, len(cert.Signers))
		}
		checkCertificate(t, members, msg, cert)
	}
}

// TestBuildKeysCancel: members registered as P and -P sign validly (s and
// -s) but their keys add up to the identity, which the chain refuses;
// Build must not return such a certificate.
func TestBuildKeysCancel(t *testing.T) {
	members, keys := committee(t, 2, 2, 1)
	msg := Message(1, blobid.ID{}, nil)
	members[1].PublicKey = bytes.Clone(members[0].PublicKey)
	members[1].PublicKey[0] ^= 0x20 // -P
	s := keys[0].Sign(msg)
	negS := bytes.Clone(s)
	negS[0] ^= 0x20 // -s, a valid signature by -P
	if err := Verify(members[1].PublicKey, msg, negS); err != nil {
		t.Fatal(err)
	}
	confs := map[int]Confirmation{0: {msg, s}, 1: {msg, negS}}
	_, _, err := Build(members, msg, confs)
	if !errors.Is(err, ErrVerify) {
		t.Fatalf("Build: err = %v, want ErrVerify", err)
	}
	// On chain: the aggregate key is the identity, whatever the signature.
	checkAbort(t, Check(members, s, Bitmap([]int{0, 1}, 3), msg), int(ESigVerification))
	// With member 2 as well the key is Q: a valid certificate.
	confs[2] = confirm(keys, msg, 2)[2]
	cert, rej, err := Build(members, msg, confs)
	if err != nil || len(rej) != 0 {
		t.Fatalf("Build: %v, rejected %v", err, rej)
	}
	checkCertificate(t, members, msg, cert)
}

// TestBuildSingleMember: a committee of one needs that member's valid
// signature.
func TestBuildSingleMember(t *testing.T) {
	members, keys := committee(t, 5)
	msg := Message(1, blobid.ID{1}, nil)
	cert, rej, err := Build(members, msg, confirm(keys, msg, 0))
	if err != nil || len(rej) != 0 || !bytes.Equal(cert.Bitmap, []byte{1}) {
		t.Fatalf("Build: %v, rejected %v, bitmap %x", err, rej, cert.Bitmap)
	}
	checkCertificate(t, members, msg, cert)
	_, rej, err = Build(members, msg, map[int]Confirmation{0: {msg, keys[0].Sign(nil)}})
	if !errors.Is(err, ErrNoQuorum) || len(rej) != 1 || !errors.Is(rej[0].Err, ErrVerify) {
		t.Fatalf("Build with a bad signature: %v, rejected %v", err, rej)
	}
	if !strings.Contains(err.Error(), "signers hold 0 of 5 shards, a quorum needs 4") {
		t.Fatalf("message %q", err)
	}
}
