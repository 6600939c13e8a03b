package wallet

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/npmoracle"
)

//go:embed testdata/oracle.mjs
var oracleScript []byte

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/vectors.json from the live oracle")

const vectorsPath = "testdata/vectors.json"

// vector is one committed case: a key, a transaction and what
// @mysten/sui 2.33.1 made of them.
type vector struct {
	Scheme     string `json:"scheme"`
	Secret     string `json:"secret"` // hex
	Tx         string `json:"tx"`     // base64
	PublicKey  string `json:"publicKey"`
	Address    string `json:"address"`
	SuiPrivKey string `json:"suiprivkey"`
	Signature  string `json:"signature"` // base64 serialized
}

type vectorFile struct {
	Generator string   `json:"generator"`
	Cases     []vector `json:"cases"`
}

type oracleCase struct {
	Scheme string   `json:"scheme"`
	Secret string   `json:"secret"`
	Tx     string   `json:"tx"`
	Verify []string `json:"verify"`
}

type oracleResult struct {
	PublicKey       string   `json:"publicKey"`
	Address         string   `json:"address"`
	SuiPrivKey      string   `json:"suiprivkey"`
	DecodedScheme   string   `json:"decodedScheme"`
	DecodedSecret   string   `json:"decodedSecret"`
	ReparsedAddress string   `json:"reparsedAddress"`
	Signature       string   `json:"signature"`
	Verified        []string `json:"verified"`
}

// tsSchemeNames are decodeSuiPrivateKey's names of the schemes.
var tsSchemeNames = map[Scheme]string{Ed25519: "ED25519", Secp256k1: "Secp256k1", Secp256r1: "Secp256r1"}

// highS returns sig (an ECDSA serialized signature) with s replaced by
// n - s: the same signature in the form Sui refuses. An ed25519 signature
// is returned unchanged.
func highS(sig []byte) []byte {
	var n *big.Int
	switch Scheme(sig[0]) {
	case Secp256k1:
		n, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	case Secp256r1:
		n, _ = new(big.Int).SetString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)
	default:
		return sig
	}
	out := bytes.Clone(sig)
	s := new(big.Int).SetBytes(sig[33:65])
	new(big.Int).Sub(n, s).FillBytes(out[33:65])
	return out
}

// tamper flips one bit of b at i.
func tamper(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

// checkVector compares Go with one oracle answer; it returns the
// mismatches as text.
func checkVector(t *testing.T, v vector) []string {
	t.Helper()
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	scheme, err := ParseScheme(v.Scheme)
	if err != nil {
		return []string{err.Error()}
	}
	secret, _ := hex.DecodeString(v.Secret)
	tx, _ := base64.StdEncoding.DecodeString(v.Tx)
	k, err := FromBytes(append([]byte{byte(scheme)}, secret...))
	if err != nil {
		return []string{err.Error()}
	}
	if got := hex.EncodeToString(k.PublicKey()); got != v.PublicKey {
		fail("public key %s, TS %s", got, v.PublicKey)
	}
	if k.Address() != v.Address {
		fail("address %s, TS %s", k.Address(), v.Address)
	}
	if got := k.Bech32(); got != v.SuiPrivKey {
		fail("suiprivkey %s, TS %s", got, v.SuiPrivKey)
	}
	if k2, err := ParseKey(v.SuiPrivKey); err != nil || k2.Encode() != k.Encode() {
		fail("ParseKey(TS suiprivkey): %v", err)
	}
	if k3, err := ParseKey(k.Encode()); err != nil || k3.Address() != v.Address {
		fail("ParseKey(Encode()) = %v, %v", k3, err)
	}
	sig := k.SignTransaction(tx)
	if got := base64.StdEncoding.EncodeToString(sig); got != v.Signature {
		fail("signature %s, TS %s", got, v.Signature)
	}
	tsSig, _ := base64.StdEncoding.DecodeString(v.Signature)
	if addr, err := VerifyTransaction(tx, tsSig); err != nil || addr != v.Address {
		fail("VerifyTransaction(TS signature) = %s, %v", addr, err)
	}
	if scheme != Ed25519 {
		if _, err := VerifyTransaction(tx, highS(tsSig)); err == nil {
			fail("VerifyTransaction accepted the high-s form of the TS signature")
		}
	}
	return bad
}

// TestVectors checks Go against the committed oracle vectors (no node).
func TestVectors(t *testing.T) {
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for i, v := range vf.Cases {
		per[v.Scheme]++
		for _, m := range checkVector(t, v) {
			t.Errorf("vector %d (%s, %d tx bytes): %s", i, v.Scheme, base64.StdEncoding.DecodedLen(len(v.Tx)), m)
		}
	}
	for _, s := range []Scheme{Ed25519, Secp256k1, Secp256r1} {
		if per[s.String()] < 10 {
			t.Errorf("%d %s vectors, want at least 10 (regenerate with -update-vectors)", per[s.String()], s)
		}
	}
}

// edgeSecrets are secrets at the ends of each scheme's range.
var edgeSecrets = map[Scheme][]string{
	Ed25519: {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	},
	Secp256k1: {
		"0000000000000000000000000000000000000000000000000000000000000001",
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", // n-1
	},
	Secp256r1: {
		"0000000000000000000000000000000000000000000000000000000000000001",
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550", // n-1
	},
}

// makeCases draws perScheme random keys and transactions per scheme from
// rng (transactions of 0 to 2 KiB bytes, some empty); withEdges adds the
// edge secrets.
func makeCases(t *testing.T, rng *mrand.ChaCha8, perScheme int, withEdges bool) []oracleCase {
	t.Helper()
	var cases []oracleCase
	for _, s := range []Scheme{Ed25519, Secp256k1, Secp256r1} {
		var secrets []string
		if withEdges {
			secrets = append(secrets, edgeSecrets[s]...)
		}
		for len(secrets) < perScheme {
			k, err := NewKey(s, rng)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, hex.EncodeToString(k.secret[:]))
		}
		for i, sec := range secrets {
			n := 0
			if i%7 != 0 {
				n = int(rng.Uint64() % 2049)
			}
			tx := make([]byte, n)
			rng.Read(tx)
			cases = append(cases, oracleCase{Scheme: s.String(), Secret: sec, Tx: base64.StdEncoding.EncodeToString(tx)})
		}
	}
	return cases
}

// TestCrossCheckLiveWallet compares Go with @mysten/sui under node on
// fresh random keys and transactions: public keys, addresses,
// suiprivkey strings and signatures byte for byte; TS must verify Go's
// signatures and refuse their high-s and tampered forms.
func TestCrossCheckLiveWallet(t *testing.T) {
	dir := npmoracle.Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := npmoracle.Install(ctx, dir); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	perScheme := 60
	if *updateVectors {
		seed, perScheme = 20261201, 12
	}
	t.Logf("live cross-check: seed %d, %d cases per scheme", seed, perScheme)
	var seedBytes [32]byte
	for i := range 8 {
		seedBytes[i] = byte(seed >> (8 * i))
	}
	rng := mrand.NewChaCha8(seedBytes)
	cases := makeCases(t, rng, perScheme, true)
	// What TS must say of Go's signatures: [Go's, high-s (secp only) or a
	// flipped signature bit, a flipped transaction-independent pk bit].
	for i := range cases {
		c := &cases[i]
		sec, _ := hex.DecodeString(c.Secret)
		s, _ := ParseScheme(c.Scheme)
		k, err := FromBytes(append([]byte{byte(s)}, sec...))
		if err != nil {
			t.Fatal(err)
		}
		tx, _ := base64.StdEncoding.DecodeString(c.Tx)
		sig := k.SignTransaction(tx)
		bad := tamper(sig, 1+int(rng.Uint64()%64))
		if s != Ed25519 {
			bad = highS(sig)
		}
		c.Verify = []string{
			base64.StdEncoding.EncodeToString(sig),
			base64.StdEncoding.EncodeToString(bad),
			base64.StdEncoding.EncodeToString(tamper(sig, len(sig)-1)),
		}
	}
	var out struct {
		Results []oracleResult `json:"results"`
	}
	if err := npmoracle.Run(ctx, dir, "wallet-oracle.mjs", oracleScript, map[string]any{"cases": cases}, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("oracle answered %d cases of %d", len(out.Results), len(cases))
	}
	mismatches := 0
	var vectors []vector
	per := map[string]int{}
	for i, c := range cases {
		r := out.Results[i]
		v := vector{Scheme: c.Scheme, Secret: c.Secret, Tx: c.Tx, PublicKey: r.PublicKey, Address: r.Address,
			SuiPrivKey: r.SuiPrivKey, Signature: r.Signature}
		bad := checkVector(t, v)
		s, _ := ParseScheme(c.Scheme)
		if r.DecodedScheme != tsSchemeNames[s] || r.DecodedSecret != c.Secret || r.ReparsedAddress != r.Address {
			bad = append(bad, fmt.Sprintf("decodeSuiPrivateKey gave %s %s, reparsed address %s",
				r.DecodedScheme, r.DecodedSecret, r.ReparsedAddress))
		}
		if len(r.Verified) != 3 || r.Verified[0] != r.Address || r.Verified[1] != "" || r.Verified[2] != "" {
			bad = append(bad, fmt.Sprintf("TS verification of Go's signature, its bad variant and a tampered one: %q (want [%s \"\" \"\"])",
				r.Verified, r.Address))
		}
		for _, m := range bad {
			t.Errorf("case %d (%s, secret %s…): %s", i, c.Scheme, c.Secret[:8], m)
		}
		if len(bad) > 0 {
			mismatches++
		}
		per[c.Scheme]++
		vectors = append(vectors, v)
	}
	t.Logf("live cross-check: %d cases (%v), %d mismatches", len(cases), per, mismatches)
	if *updateVectors && mismatches == 0 {
		data, err := json.MarshalIndent(vectorFile{
			Generator: "@mysten/sui 2.33.1 via testdata/oracle.mjs (go test -run TestCrossCheckLiveWallet -update-vectors)",
			Cases:     vectors,
		}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(vectorsPath), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d vectors to %s", len(vectors), vectorsPath)
	}
}
