package suitx

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/npmoracle"
)

//go:embed testdata/oracle.mjs
var oracleScript []byte

var update = flag.Bool("update", false, "regenerate testdata/vectors.json with the TypeScript SDK (needs "+npmoracle.Env+")")

const (
	vectorsFile    = "testdata/vectors.json"
	vectorsSeed    = 20261201
	vectorsPerKind = 8
	livePerKind    = 40
)

type vectors struct {
	Comment string            `json:"comment"`
	Seed    uint64            `json:"seed"`
	Keys    map[string]string `json:"keys"`      // scheme -> hex secret key (test keys only)
	Address map[string]string `json:"addresses"` // scheme -> Sui address of the key
	Cases   []testCase        `json:"cases"`
}

// runOracle builds and signs cases with @mysten/sui and fills in Tx,
// Digest and Signatures; it returns the Sui address of each key.
func runOracle(t *testing.T, cases []testCase, keys map[string]string) map[string]string {
	t.Helper()
	dir := npmoracle.Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := npmoracle.Install(ctx, dir); err != nil {
		t.Fatal(err)
	}
	in := struct {
		Keys  map[string]string `json:"keys"`
		Cases []testCase        `json:"cases"`
	}{keys, cases}
	var out struct {
		Addresses map[string]string `json:"addresses"`
		Results   []struct {
			Tx         string            `json:"tx"`
			Digest     string            `json:"digest"`
			Signatures map[string]string `json:"signatures"`
		} `json:"results"`
	}
	if err := npmoracle.Run(ctx, dir, "suitx-oracle.mjs", oracleScript, in, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("oracle returned %d results for %d cases", len(out.Results), len(cases))
	}
	for i, r := range out.Results {
		cases[i].Tx, cases[i].Digest, cases[i].Signatures = r.Tx, r.Digest, r.Signatures
	}
	return out.Addresses
}

// compare builds every case in Go and compares bytes and digest with the
// TypeScript SDK's; it returns the number of mismatches.
func compare(t *testing.T, cases []testCase) int {
	t.Helper()
	bad := 0
	for _, c := range cases {
		got, err := c.build()
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			bad++
			continue
		}
		want, err := base64.StdEncoding.DecodeString(c.Tx)
		if err != nil || len(want) == 0 {
			t.Errorf("%s: no TypeScript bytes (%v)", c.Name, err)
			bad++
			continue
		}
		if string(got) != string(want) {
			bad++
			in, _ := json.Marshal(c)
			t.Errorf("%s: TransactionData differs\n go: %x\n ts: %x\ncase: %s", c.Name, got, want, in)
			continue
		}
		if d := Digest(got); d != c.Digest {
			bad++
			t.Errorf("%s: digest %s, TypeScript %s", c.Name, d, c.Digest)
		}
	}
	return bad
}

// TestVectors checks the committed TypeScript vectors without node.
func TestVectors(t *testing.T) {
	if *update {
		cases := genCases(vectorsSeed, vectorsPerKind)
		keys := testKeys()
		addrs := runOracle(t, cases, keys)
		v := vectors{
			Comment: "Built and signed by @mysten/sui 2.33.1 (suitx/testdata/oracle.mjs); signatures are of intent 000000 || tx, serialized (flag || sig || pk) in base64. Regenerate with WALRUSFS_ORACLE=<npm prefix> go test ./suitx -run TestVectors -update",
			Seed:    vectorsSeed, Keys: keys, Address: addrs, Cases: cases,
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(vectorsFile), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.FromSlash(vectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	perShape := map[string]int{}
	for _, c := range v.Cases {
		perShape[c.Shape]++
		if len(c.Signatures) != 3 {
			t.Errorf("%s: %d signatures, want one per test key", c.Name, len(c.Signatures))
		}
	}
	for _, s := range shapes {
		if perShape[s] < 5 {
			t.Errorf("vectors: %d %s cases, want at least 5", perShape[s], s)
		}
	}
	if bad := compare(t, v.Cases); bad != 0 {
		t.Fatalf("%d of %d vectors differ", bad, len(v.Cases))
	}
	if bad := signatureMismatches(t, v.Keys, v.Address, v.Cases); bad != 0 {
		t.Fatalf("%d signatures or addresses differ from the TypeScript SDK's", bad)
	}
	t.Logf("%d vectors equal to the TypeScript SDK's, and their %d signatures (3 schemes)", len(v.Cases), 3*len(v.Cases))
}

// TestCrossCheckLiveSuitx builds fresh random transactions of every shape
// with both Go and @mysten/sui and requires identical bytes and digests.
func TestCrossCheckLiveSuitx(t *testing.T) {
	npmoracle.Dir(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SUITX_SEED"); s != "" { // to replay a failure
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SUITX_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (SUITX_SEED=%d replays it)", seed, seed)
	cases := genCases(seed, livePerKind)
	keys := testKeys()
	addrs := runOracle(t, cases, keys)
	if bad := compare(t, cases); bad != 0 {
		t.Fatalf("seed %d: %d of %d transactions differ from the TypeScript SDK", seed, bad, len(cases))
	}
	if bad := signatureMismatches(t, keys, addrs, cases); bad != 0 {
		t.Fatalf("seed %d: %d signatures or addresses differ from the TypeScript SDK's", seed, bad)
	}
	t.Logf("seed %d: %d transactions (%d per shape, %d shapes) and %d signatures (3 schemes), 0 mismatches", seed, len(cases), livePerKind, len(shapes), 3*len(cases))
}
