package localnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/internal/syncbuf"
	"github.com/walrusfs/walrusfs/localnet/committee"
	"github.com/walrusfs/walrusfs/rs2"
)

func openNet(t testing.TB, dir string, o *Options) *Network {
	nw, err := Open(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close() })
	return nw
}

func TestLayoutIsFixed(t *testing.T) {
	dir := t.TempDir()
	nw := openNet(t, dir, &Options{Nodes: 4, Shards: 10})
	nw.Close()
	if _, err := Open(context.Background(), dir, &Options{Shards: 20}); err == nil || !strings.Contains(err.Error(), "created with 10 shards") {
		t.Fatalf("changing the shard count: %v", err)
	}
	if _, err := Open(context.Background(), dir, &Options{Nodes: 5}); err == nil || !strings.Contains(err.Error(), "created with 4 nodes") {
		t.Fatalf("changing the node count: %v", err)
	}
	nw2 := openNet(t, dir, nil)
	if nw2.Layout.Shards != 10 || len(nw2.Layout.Nodes) != 4 {
		t.Fatalf("reopened layout %+v", nw2.Layout)
	}
	l, err := LoadLayout(t.TempDir(), 0, 0)
	if err != nil || l.Shards != DefaultShards || len(l.Nodes) != DefaultNodes {
		t.Fatalf("default layout %+v, %v", l, err)
	}
}

// flipAll flips bytes in every file under dir and returns how many.
func flipAll(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i := 0; i < len(b); i += 1 + len(b)/7 {
			b[i] ^= 0x5a
		}
		n++
		return os.WriteFile(p, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLostAndLyingNodes: 7 nodes / 100 shards; two node folders deleted,
// every file of two other nodes corrupted. Every blob still reads back
// exactly, the liars are logged, and scrub repairs everything.
func TestLostAndLyingNodes(t *testing.T) {
	dir := t.TempDir()
	nw := openNet(t, dir, nil)
	ctx := context.Background()
	sizes := []int{0, 1, 1000, 300_000, 2 << 20}
	ids := make([]blobid.ID, len(sizes))
	datas := make([][]byte, len(sizes))
	for i, size := range sizes {
		datas[i] = blobstoretest.Data(uint64(i+10), size)
		info, err := nw.Put(ctx, datas[i])
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = info.ID
	}
	nw.Close()
	for _, name := range []string{"node-1", "node-4"} {
		if err := os.RemoveAll(filepath.Join(dir, "nodes", name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"node-2", "node-5"} {
		if n := flipAll(t, filepath.Join(dir, "nodes", name)); n < len(sizes) {
			t.Fatalf("only %d files corrupted in %s", n, name)
		}
	}
	logs := &syncbuf.Buffer{}
	nw = openNet(t, dir, &Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Client: committee.Config{RepairInterval: time.Hour}})
	for i, id := range ids {
		got, err := nw.Read(ctx, id, 0, -1)
		if err != nil || !bytes.Equal(got, datas[i]) {
			t.Fatalf("blob of %d bytes: %v", sizes[i], err)
		}
		if sizes[i] > 10 {
			off := int64(sizes[i]) / 2
			got, err := nw.Read(ctx, id, off, 5)
			if err != nil || !bytes.Equal(got, datas[i][off:off+5]) {
				t.Fatalf("range of the %d-byte blob: %v", sizes[i], err)
			}
		}
	}
	l := logs.String()
	if !strings.Contains(l, "invalid") || (!strings.Contains(l, "node-2") && !strings.Contains(l, "node-5")) {
		t.Fatalf("liars not logged:\n%s", l)
	}
	var reports []*committee.BlobReport
	sum, err := nw.Scrub(ctx, func(r *committee.BlobReport) { reports = append(reports, r) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Blobs != len(sizes) || sum.Repaired != len(sizes) || sum.MissingSlivers == 0 || sum.BadSlivers == 0 {
		t.Fatalf("scrub summary %+v", sum)
	}
	for _, r := range reports {
		if !r.Fixed() || r.Repaired != r.Missing+r.Bad+r.MissingMeta+r.BadMeta {
			t.Fatalf("scrub report %+v", r)
		}
	}
	sum, err = nw.Scrub(ctx, nil)
	if err != nil || sum.Healthy != len(sizes) {
		t.Fatalf("second scrub %+v, %v: want all healthy", sum, err)
	}
}

func TestLargeBlob(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("100 MiB blob: not in -short or -race runs")
	}
	nw := openNet(t, t.TempDir(), nil)
	ctx := context.Background()
	data := blobstoretest.Data(42, 100<<20)
	info, err := nw.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := nw.Read(ctx, info.ID, 0, -1)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("100 MiB read back: %v", err)
	}
	got, err = nw.Read(ctx, info.ID, 77<<20-3, 1<<20)
	if err != nil || !bytes.Equal(got, data[77<<20-3:78<<20-3]) {
		t.Fatalf("1 MiB range of 100 MiB: %v", err)
	}
}

const helperEnv = "WALRUSFS_KILL_HELPER_DIR"

// TestKillHelper is the subprocess of TestKillMidStore: it stores one
// blob into the embedded network of $WALRUSFS_KILL_HELPER_DIR and is
// killed with SIGKILL while doing so.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	nw, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nw.Put(context.Background(), killData()); err != nil {
		t.Fatal(err)
	}
	fmt.Println("STORED")
}

func killData() []byte { return blobstoretest.Data(77, 3<<20) }

// TestKillMidStore kills a storing process with SIGKILL at several points
// of the upload. After restart the blob is readable or cleanly absent,
// the repair queue is worked off, and no node keeps anything of an absent
// blob.
func TestKillMidStore(t *testing.T) {
	data := killData()
	enc, _ := rs2.NewEncoder(DefaultShards)
	m, err := enc.ComputeMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	id := m.BlobID()
	outcomes := map[string]int{}
	for _, delay := range []time.Duration{0, 300 * time.Millisecond, 1 * time.Second, 3 * time.Second} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rec := filepath.Join(dir, "client", "repair", id.String())
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(rec); err == nil {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper never started uploading:\n%s", out.String())
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(delay)
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		finished := strings.Contains(out.String(), "STORED")

		nw := openNet(t, dir, &Options{Client: committee.Config{RepairInterval: time.Hour}})
		ctx := context.Background()
		// The loop started by Open may already have taken the record;
		// run passes until the queue is empty.
		// (A pass of that loop holds the record, and ours skips it, for
		// as long as its repair takes: a deadline, not a pass count.)
		for deadline := time.Now().Add(time.Minute); ; {
			if _, err := os.Stat(rec); errors.Is(err, fs.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delay %v: repair record never cleared", delay)
			}
			if _, err := nw.RepairNow(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		got, err := nw.Read(ctx, id, 0, -1)
		switch {
		case err == nil:
			if !bytes.Equal(got, data) {
				t.Fatalf("delay %v: wrong bytes served", delay)
			}
			sum, err := nw.Scrub(ctx, nil)
			if err != nil || sum.Healthy != 1 {
				t.Fatalf("delay %v: blob readable but not complete after repair: %+v %v", delay, sum, err)
			}
			outcomes["readable"]++
		case errors.Is(err, blobstore.ErrNotFound):
			if finished {
				t.Fatalf("delay %v: Put returned but the blob is gone", delay)
			}
			filepath.WalkDir(filepath.Join(dir, "nodes"), func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.Contains(d.Name(), id.String()) {
					t.Errorf("delay %v: remnant %s of an absent blob", delay, p)
				}
				return nil
			})
			outcomes["absent"]++
		default:
			t.Fatalf("delay %v: read after restart: %v", delay, err)
		}
		nw.Close()
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestStoppedNodes: after Close the nodes are gone for the client,
// whether it called them in-process or over HTTP: reads fail as
// unavailable (transport failures), never as not found.
func TestStoppedNodes(t *testing.T) {
	for _, noLocal := range []bool{false, true} {
		t.Run(fmt.Sprint("NoLocal=", noLocal), func(t *testing.T) {
			nw := openNet(t, t.TempDir(), &Options{Nodes: 4, Shards: 10, NoLocal: noLocal, NoSync: true,
				Client: committee.Config{RowCacheBytes: -1, RequestTimeout: 2 * time.Second}})
			ctx := context.Background()
			d := blobstoretest.Data(3, 50_000)
			info, err := nw.Put(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := nw.Read(ctx, info.ID, 0, -1); err != nil || !bytes.Equal(got, d) {
				t.Fatalf("read before Close: %v", err)
			}
			if err := nw.Close(); err != nil {
				t.Fatal(err)
			}
			// A fresh ID: no metadata cached.
			other := blobid.ID{1, 2, 3}
			if _, err := nw.Stat(ctx, other); !errors.Is(err, blobstore.ErrUnavailable) {
				t.Fatalf("Stat after Close: %v, want ErrUnavailable", err)
			}
		})
	}
}

// TestMaxBlobSize: before the network exists the limit follows the shard
// count asked for; once it exists, the one in network.json.
func TestMaxBlobSize(t *testing.T) {
	dir := t.TempDir()
	if got := MaxBlobSize(dir, 10); got != 1834952 {
		t.Fatalf("new network of 10 shards: %d, want 1834952", got)
	}
	if _, err := LoadLayout(dir, 4, 10); err != nil {
		t.Fatal(err)
	}
	if got := MaxBlobSize(dir, 1000); got != 1834952 {
		t.Fatalf("existing network of 10 shards asked with 1000: %d, want 1834952", got)
	}
}
