// Command benchdevnet measures walrusfs's direct writes to Walrus on a
// local devnet (package devnet): a Sui chain executing the Walrus calls,
// storage nodes over TLS that sign confirmations, with certificates.
//
//	throughput  direct writes (register, upload, confirm, certify) against
//	            the embedded network's writes (upload only) of the same blobs
//	            to the same number of nodes over HTTP, in the same run; and
//	            the Sui-side time per blob
//	cost        a mixed tree (10,000 files of about 50 KB and a 2 GiB video)
//	            written through a mount at 1000 shards: encoded bytes
//	            (status encoded_bytes) against the raw size (target: at
//	            most 5x); the WAL per epoch that keeps it alive against
//	            the ideal (one blob per 100 MiB of content, priced the
//	            same); the Sui transactions per epoch that renewals take
//	            over -epochs epochs; and the same WAL figure after most
//	            small files are deleted, before and after repacking.
//	            Needs root (FUSE).
//
// Usage: go run ./tests/benchdevnet [-only throughput|cost] [flags]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/devnet"
	"github.com/walrusfs/walrusfs/directwrite"
	"github.com/walrusfs/walrusfs/localnet"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
)

var (
	only      = flag.String("only", "", "run one part: throughput or cost")
	work      = flag.String("work", "", "work directory (default: a new temporary one, removed at the end)")
	nodes     = flag.Int("nodes", 7, "storage nodes")
	shards    = flag.Int("shards", 100, "shards of the throughput part")
	blobs     = flag.Int("blobs", 4, "blobs per round of the throughput part")
	blobSize  = flag.Int("blob-size", 32<<20, "bytes per blob of the throughput part")
	costN     = flag.Int("cost-shards", 1000, "shards of the cost part")
	small     = flag.Int("small", 10000, "small files of the cost part")
	smallSize = flag.Int("small-size", 50_000, "mean size of the small files")
	video     = flag.Int64("video", 2<<30, "bytes of the video file of the cost part")
	epochs    = flag.Int("epochs", 12, "epochs the cost part advances to count renewal transactions")
)

func main() {
	flag.Parse()
	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "benchdevnet")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	ctx := context.Background()
	if *only == "" || *only == "throughput" {
		throughput(ctx, filepath.Join(dir, "throughput"))
	}
	if *only == "" || *only == "cost" {
		cost(ctx, filepath.Join(dir, "cost"))
	}
}

func throughput(ctx context.Context, dir string) {
	dn, err := devnet.Start(ctx, devnet.Options{Dir: filepath.Join(dir, "devnet"), Nodes: *nodes, Shards: *shards})
	check(err)
	defer dn.Close()
	ds := openDirect(ctx, dn, filepath.Join(dir, "client"))
	defer ds.Close()
	emb, err := localnet.Open(ctx, filepath.Join(dir, "embedded"), &localnet.Options{Nodes: *nodes, Shards: *shards, NoLocal: true})
	check(err)
	defer emb.Close()

	data := make([][]byte, 2**blobs)
	for i := range data {
		data[i] = random(uint64(i), *blobSize)
	}
	var tDev, tEmb time.Duration
	// Two rounds, interleaved, so that neither side has the warmer disk.
	for round := range 2 {
		set := data[round**blobs : (round+1)**blobs]
		tEmb += timeWrites(ctx, emb, set)
		tDev += timeWrites(ctx, ds, set)
	}
	n := int64(len(data)) * int64(*blobSize)
	t := ds.Timings()
	fmt.Printf("direct writes, %d nodes, %d shards, %d blobs of %d MiB:\n", *nodes, *shards, len(data), *blobSize>>20)
	fmt.Printf("  embedded network (upload only):   %6.1f MB/s\n", mbps(n, tEmb))
	fmt.Printf("  devnet (register, upload, certify): %6.1f MB/s = %.2fx the embedded network\n", mbps(n, tDev), tEmb.Seconds()/tDev.Seconds())
	per := func(d time.Duration) string { return (d / time.Duration(t.Blobs)).Round(time.Millisecond).String() }
	fmt.Printf("  per blob: Sui %s (register %s, certify %s), encode %s, upload %s, confirmations %s\n",
		per(t.Sui()), per(t.Register), per(t.Certify), per(t.Encode), per(t.Upload), per(t.Confirm))
}

type putter interface {
	Put(ctx context.Context, data []byte) (blobstore.Info, error)
}

// directPut makes a direct store a putter.
type directPut struct{ *directwrite.Store }

func (d directPut) Put(ctx context.Context, data []byte) (blobstore.Info, error) {
	r, err := d.Write(ctx, data)
	return blobstore.Info{ID: r.BlobID, Size: r.Size}, err
}

func timeWrites(ctx context.Context, p any, set [][]byte) time.Duration {
	var put putter
	switch v := p.(type) {
	case *directwrite.Store:
		put = directPut{v}
	case putter:
		put = v
	}
	start := time.Now()
	for _, b := range set {
		_, err := put.Put(ctx, b)
		check(err)
	}
	return time.Since(start)
}

func openDirect(ctx context.Context, dn *devnet.Devnet, dataDir string) *directwrite.Store {
	w, err := clientconf.Load(devnet.ClientConfig(dn.Dir), "")
	check(err)
	r, err := clientconf.Resolve(w, clientconf.OSEnv())
	check(err)
	s, err := directwrite.Open(ctx, &r, directwrite.Options{DataDir: dataDir, Epochs: 5})
	check(err)
	return s
}

func cost(ctx context.Context, dir string) {
	dn, err := devnet.Start(ctx, devnet.Options{Dir: filepath.Join(dir, "devnet"), Nodes: *nodes, Shards: *costN})
	check(err)
	defer dn.Close()
	bin := filepath.Join(dir, "walrusfs")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/walrusfs").CombinedOutput(); err != nil {
		fail(fmt.Errorf("go build: %v\n%s", err, out))
	}
	data, mnt := filepath.Join(dir, "data"), filepath.Join(dir, "mnt")
	check(os.MkdirAll(mnt, 0o755))
	logf, err := os.Create(filepath.Join(dir, "walrusfs.log"))
	check(err)
	defer logf.Close()
	cmd := exec.Command(bin, "mount", "--data-dir", data, "--config", devnet.ClientConfig(dn.Dir), "--gc-grace", "1s", mnt)
	cmd.Stdout, cmd.Stderr = logf, logf
	check(cmd.Start())
	waitMounted(mnt)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	start := time.Now()
	var raw int64
	r := rand.New(rand.NewPCG(1, 2))
	for i := range *small {
		d := filepath.Join(mnt, "photos", fmt.Sprintf("%03d", i/100))
		check(os.MkdirAll(d, 0o755))
		size := *smallSize/2 + r.IntN(*smallSize)
		check(os.WriteFile(filepath.Join(d, fmt.Sprintf("img%05d.jpg", i)), random(uint64(i)+100, size), 0o644))
		raw += int64(size)
	}
	f, err := os.Create(filepath.Join(mnt, "project.mov"))
	check(err)
	buf := random(7, 8<<20)
	for off := int64(0); off < *video; off += int64(len(buf)) {
		n := min(int64(len(buf)), *video-off)
		buf[0], buf[1] = byte(off>>23), byte(off>>31) // distinct blocks
		_, err := f.Write(buf[:n])
		check(err)
	}
	check(f.Close())
	raw += *video
	written := time.Since(start)
	if out, err := exec.Command(bin, "sync", "--data-dir", data).CombinedOutput(); err != nil {
		fail(fmt.Errorf("walrusfs sync: %v\n%s", err, out))
	}
	synced := time.Since(start)
	out, err := exec.Command(bin, "status", "--data-dir", data, "--json").Output()
	check(err)
	var st control.Status
	check(json.Unmarshal(out, &st))
	fmt.Printf("cost, %d shards: %d files of ~%d KB and a %d MiB video = %.1f MB raw\n", *costN, *small, *smallSize/1000, *video>>20, float64(raw)/1e6)
	fmt.Printf("  written in %v, stored (walrusfs sync) after %v; %d blobs\n", written.Round(time.Second), synced.Round(time.Second), st.Blobs)
	fmt.Printf("  encoded: %.1f MB = %.2fx the raw size (target: at most 5x)\n", float64(st.EncodedBytes)/1e6, float64(st.EncodedBytes)/float64(raw))
	lifecycle(ctx, dn, bin, data, mnt, raw)
}

// lifecycle prints what keeping the tree alive costs per epoch against
// the ideal, the renewal transactions per epoch, and the cost after most
// small files are deleted, before and after repacking.
func lifecycle(ctx context.Context, dn *devnet.Devnet, bin, data, mnt string, raw int64) {
	c, err := dn.SuiClient()
	check(err)
	defer c.Close()
	params, err := rs2.NewParams(*costN)
	check(err)
	units := func(size uint64) uint64 {
		n, err := params.EncodedLength(size)
		check(err)
		return sui.Units(n)
	}
	st, err := c.ReadState(ctx)
	check(err)
	price := st.Prices.StoragePerUnit
	// perEpoch is the WAL (FROST) per epoch of the wallet's live blobs.
	perEpoch := func() (frost uint64, blobs int) {
		bl, err := c.OwnedBlobs(ctx, dn.Layout.Address)
		check(err)
		for _, b := range bl {
			frost += units(b.Size) * price
		}
		return frost, len(bl)
	}
	ideal := func(raw int64) uint64 {
		const blob = 100 << 20
		var u uint64
		for left := raw; left > 0; left -= blob {
			u += units(uint64(min(left, blob)))
		}
		return u * price
	}
	have, nb := perEpoch()
	want := ideal(raw)
	fmt.Printf("  WAL per epoch to keep it alive: %s in %d blobs; ideal (one blob per 100 MiB): %s; %.2fx the ideal\n",
		sui.FormatWAL(new(big.Int).SetUint64(have)), nb, sui.FormatWAL(new(big.Int).SetUint64(want)), float64(have)/float64(want))

	txs0, calls0 := dn.Chain.CallStats("system", "extend_blob")
	var spent big.Int
	for range *epochs {
		_, err := dn.Chain.AdvanceEpoch(1)
		check(err)
		out, err := exec.Command(bin, "renew", "--data-dir", data, "--json").Output()
		check(err)
		var res control.RenewResult
		check(json.Unmarshal(out, &res))
		if w, ok := new(big.Int).SetString(res.WALFROST, 10); ok {
			spent.Add(&spent, w)
		}
	}
	txs, calls := dn.Chain.CallStats("system", "extend_blob")
	txs, calls = txs-txs0, calls-calls0
	fmt.Printf("  renewals over %d epochs: %d transactions (%.2f per epoch) extending %d blobs; %s spent (%s per epoch)\n",
		*epochs, txs, float64(txs)/float64(*epochs), calls, sui.FormatWAL(&spent), sui.FormatWAL(new(big.Int).Div(&spent, big.NewInt(int64(*epochs)))))

	// Delete four of every five small files: their packs are mostly dead.
	var left int64
	check(filepath.WalkDir(filepath.Join(mnt, "photos"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var i int
		if _, err := fmt.Sscanf(d.Name(), "img%05d.jpg", &i); err == nil && i%5 != 0 {
			return os.Remove(p)
		}
		fi, err := d.Info()
		if err == nil {
			left += fi.Size()
		}
		return err
	}))
	left += *video
	runCmd(bin, "sync", "--data-dir", data)
	before, nb := perEpoch()
	out, err := exec.Command(bin, "repack", "--data-dir", data, "--json").Output()
	check(err)
	var rp control.RepackResult
	check(json.Unmarshal(out, &rp))
	// The old packs are deleted after the mount's --gc-grace (1s here).
	var after uint64
	var na int
	for range 600 {
		if after, na = perEpoch(); na == nb-len(rp.Repacked)+len(rp.New) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("  after deleting 80%% of the small files (%.1f MB left): %s per epoch in %d blobs, %.2fx the ideal; repacked %d blobs into %d: %s in %d blobs, %.2fx the ideal\n",
		float64(left)/1e6, sui.FormatWAL(new(big.Int).SetUint64(before)), nb, float64(before)/float64(ideal(left)),
		len(rp.Repacked), len(rp.New), sui.FormatWAL(new(big.Int).SetUint64(after)), na, float64(after)/float64(ideal(left)))
}

func runCmd(bin string, args ...string) {
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		fail(fmt.Errorf("walrusfs %s: %v\n%s", args[0], err, out))
	}
}

func random(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func waitMounted(mnt string) {
	for range 1200 {
		var st, parent syscall.Stat_t
		if syscall.Stat(mnt, &st) == nil && syscall.Stat(filepath.Dir(mnt), &parent) == nil && st.Dev != parent.Dev {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fail(fmt.Errorf("%s did not get mounted", mnt))
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchdevnet:", err)
	os.Exit(1)
}
