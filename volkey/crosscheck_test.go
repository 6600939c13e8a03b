package volkey

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/npmoracle"
	"github.com/walrusfs/walrusfs/wallet"
)

//go:embed testdata/wallet_derivation.mjs
var derivationOracle []byte

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/wallet_vectors.json from the live oracle")

const walletVectorsPath = "testdata/wallet_vectors.json"

// walletVector is one wallet derivation made by the oracle.
type walletVector struct {
	Scheme    string `json:"scheme"`
	Secret    string `json:"secret"`    // hex
	Signature string `json:"signature"` // base64, of WalletMessage
	Recipient string `json:"recipient"`
	Identity  string `json:"identity"`
}

type walletVectorFile struct {
	Generator string         `json:"generator"`
	Message   string         `json:"message"`
	Cases     []walletVector `json:"cases"`
}

// checkWalletVector derives the identity of v's key in Go and compares.
func checkWalletVector(v walletVector) []string {
	s, err := wallet.ParseScheme(v.Scheme)
	if err != nil {
		return []string{err.Error()}
	}
	sec, _ := hex.DecodeString(v.Secret)
	k, err := wallet.FromBytes(append([]byte{byte(s)}, sec...))
	if err != nil {
		return []string{err.Error()}
	}
	var bad []string
	if got := base64.StdEncoding.EncodeToString(k.SignPersonalMessage([]byte(WalletMessage))); got != v.Signature {
		bad = append(bad, fmt.Sprintf("signature %s, TS %s", got, v.Signature))
	}
	id, err := walletIdentity(k, true)
	if err != nil {
		return append(bad, err.Error())
	}
	if id.String() != v.Identity {
		bad = append(bad, "identity differs from the oracle's")
	}
	if id.Recipient().String() != v.Recipient {
		bad = append(bad, fmt.Sprintf("recipient %s, oracle %s", id.Recipient(), v.Recipient))
	}
	return bad
}

// TestWalletVectors checks the wallet derivation against the committed
// oracle vectors (no node needed). They freeze the format: if they fail,
// wallets no longer unlock existing volumes.
func TestWalletVectors(t *testing.T) {
	data, err := os.ReadFile(walletVectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf walletVectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	if vf.Message != WalletMessage {
		t.Fatalf("vectors are for message %q, WalletMessage is %q", vf.Message, WalletMessage)
	}
	per := map[string]int{}
	for i, v := range vf.Cases {
		per[v.Scheme]++
		for _, m := range checkWalletVector(v) {
			t.Errorf("vector %d (%s): %s", i, v.Scheme, m)
		}
	}
	for _, s := range []string{"ed25519", "secp256k1", "secp256r1"} {
		if per[s] < 5 {
			t.Errorf("%d %s vectors, want at least 5", per[s], s)
		}
	}
}

// TestCrossCheckLiveWalletDerivation derives wallet identities of fresh
// random keys in Go and with @mysten/sui, node's HKDF, @noble/curves and
// @scure/base, and compares them.
func TestCrossCheckLiveWalletDerivation(t *testing.T) {
	dir := npmoracle.Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := npmoracle.Install(ctx, dir); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	perScheme := 40
	if *updateVectors {
		seed, perScheme = 20261203, 6
	}
	t.Logf("live wallet-derivation cross-check: seed %d, %d keys per scheme", seed, perScheme)
	rng := mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), byte(seed >> 32), byte(seed >> 40), byte(seed >> 48), byte(seed >> 56)})
	type ocase struct {
		Scheme string `json:"scheme"`
		Secret string `json:"secret"`
	}
	var cases []ocase
	for _, s := range []wallet.Scheme{wallet.Ed25519, wallet.Secp256k1, wallet.Secp256r1} {
		for i := range perScheme {
			var sec []byte
			if i == 0 && s == wallet.Ed25519 {
				sec = make([]byte, 32)
				for j := range sec {
					sec[j] = 42 // the key of TestWalletFormatFrozen
				}
			} else {
				k, err := wallet.NewKey(s, rng)
				if err != nil {
					t.Fatal(err)
				}
				sec = k.Bytes()[1:]
			}
			cases = append(cases, ocase{Scheme: s.String(), Secret: hex.EncodeToString(sec)})
		}
	}
	var out struct {
		Results []walletVector `json:"results"`
	}
	in := map[string]any{"message": WalletMessage, "salt": walletSalt, "info": walletInfo, "cases": cases}
	if err := npmoracle.Run(ctx, dir, "volkey-wallet-oracle.mjs", derivationOracle, in, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("oracle answered %d cases of %d", len(out.Results), len(cases))
	}
	mismatches := 0
	var vectors []walletVector
	for i, c := range cases {
		v := out.Results[i]
		v.Scheme, v.Secret = c.Scheme, c.Secret
		bad := checkWalletVector(v)
		for _, m := range bad {
			t.Errorf("case %d (%s): %s", i, c.Scheme, m)
		}
		if len(bad) > 0 {
			mismatches++
		}
		vectors = append(vectors, v)
	}
	t.Logf("live wallet-derivation cross-check: %d cases, %d mismatches", len(cases), mismatches)
	if *updateVectors && mismatches == 0 {
		data, err := json.MarshalIndent(walletVectorFile{
			Generator: "@mysten/sui 2.33.1 + node:crypto hkdf + @noble/curves x25519 + @scure/base bech32 via testdata/wallet_derivation.mjs (go test -run TestCrossCheckLiveWalletDerivation -args -update-vectors)",
			Message:   WalletMessage,
			Cases:     vectors,
		}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(walletVectorsPath, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d vectors to %s", len(vectors), walletVectorsPath)
	}
}
