package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/sui/suitest"
)

// fakeTestnet serves testnet's System and Staking objects from a fake
// full node (gRPC) and returns its URL.
func fakeTestnet(t *testing.T) string {
	net := sui.Networks["testnet"]
	n := suitest.NewNode()
	n.AddNetwork(suitest.Objects{System: net.SystemObject, Staking: net.StakingObject, TypeOrigin: net.TypeOrigin},
		suitest.State{Epoch: 42, NShards: 1000, StoragePrice: 11_000, WritePrice: 20_000, EpochDuration: 24 * time.Hour,
			FirstEpochStart: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	return n.ServeGRPC(t)
}

func estimate(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runEstimate(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	return out.String(), errb.String(), err
}

func TestEstimate(t *testing.T) {
	url := fakeTestnet(t)
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small"), filepath.Join(dir, "big")
	if err := os.WriteFile(small, []byte("hello walrus"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := estimate(t, "--network", "testnet", "--sui-url", url, "--epochs", "3", small, big)
	if err != nil {
		t.Fatal(err)
	}
	// Encoded sizes at n=1000 from the protocol notes §1.7: 66 034 000 B
	// for any blob up to 445 556 B (63 MiB units), 70 038 000 B for 1 MiB
	// (67 units). Cost per unit for 3 epochs: 3×11 000 + 20 000 = 53 000 FROST.
	want := "# testnet epoch 42, 1000 shards: storage 11000 FROST/MiB/epoch, write 20000 FROST/MiB; 3 epoch(s); gas not included\n" +
		small + "\t12 bytes\tencoded 66034000 bytes\t0.003339 WAL\n" +
		big + "\t1048576 bytes\tencoded 70038000 bytes\t0.003551 WAL\n" +
		"total\t1048588 bytes\tencoded 136072000 bytes\t0.00689 WAL\n"
	if out != want {
		t.Fatalf("output\n%s\nwant\n%s", out, want)
	}
}

func TestEstimateErrors(t *testing.T) {
	url := fakeTestnet(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := estimate(t, "--sui-url", url, f, dir, filepath.Join(dir, "missing"))
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files failed") || !strings.Contains(stderr, "not a regular file") ||
		!strings.Contains(stderr, "no such file") || !strings.Contains(out, f+"\t1 bytes\tencoded 66034000 bytes\t0.001953 WAL\n") {
		t.Fatalf("err %v\nout %q\nstderr %q", err, out, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sui-url", url}, "no files given"},
		{[]string{"--sui-url", url, "--epochs", "54", f}, "--epochs 54 outside 1..53"},
		{[]string{"--network", "devnet", f}, `unknown network "devnet"`},
		{[]string{"--sui-url", "ftp://x", f}, "full node URL"},
		{[]string{"--network", "mainnet", "--sui-url", url, "--timeout", "2s", f}, "reading the Walrus system object"},
	} {
		if _, _, err := estimate(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
