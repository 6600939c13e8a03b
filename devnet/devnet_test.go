package devnet

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRestart: a devnet reopens with its addresses, keys, wallet and
// epoch; options that contradict the stored ones are refused; the epoch
// of a stopped devnet can be changed.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "dn")
	d, err := Start(ctx, Options{Dir: dir, Nodes: 4, Shards: 10, EpochDuration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l := *d.Layout
	if e, err := AdvanceEpoch(ctx, dir, 2); err != nil || e != 3 {
		t.Fatalf("AdvanceEpoch on the running devnet: %d %v", e, err)
	}
	for _, name := range []string{"client_config.yaml", "sui_config/client.yaml", "sui_config/sui.keystore", "devnet.json", "nodes/node-0/bls.key"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err := AdvanceEpoch(ctx, dir, 1); err != nil || e != 4 {
		t.Fatalf("AdvanceEpoch on the stopped devnet: %d %v", e, err)
	}
	for _, o := range []Options{{Nodes: 5}, {Shards: 20}, {EpochDuration: time.Minute}} {
		o.Dir = dir
		if _, err := Start(ctx, o); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("Start(%+v) on a devnet made otherwise: %v", o, err)
		}
	}
	d, err = Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Layout.Sui != l.Sui || d.Layout.Address != l.Address || d.Layout.Nodes[3].Addr != l.Nodes[3].Addr || d.Chain.WalrusEpoch() != 4 {
		t.Fatalf("after restart: %+v epoch %d, before %+v", d.Layout, d.Chain.WalrusEpoch(), l)
	}
	if _, err := LoadLayout(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadLayout of an empty directory: %v", err)
	}
	if _, err := Start(ctx, Options{Dir: filepath.Join(t.TempDir(), "x"), Nodes: 3, Shards: 10}); err == nil {
		t.Error("a devnet of 3 nodes (no node may fail)")
	}
}
