// Command benchenc prints, in one run, how long walrusfs's encoder and the
// real Walrus encoder (@mysten/walrus-wasm under node) take to compute the
// blob ID of the same inputs, and the ratio. make bench-encoding runs it.
//
// usage: go run ./rs2/internal/benchenc [-oracle DIR] [-runs N]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/rs2/internal/oracle"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(7*i + 13)
	}
	return b
}

func main() {
	oracleDir := flag.String("oracle", ".cache/oracle", "npm prefix for "+oracle.Package+" (installed if missing)")
	runs := flag.Int("runs", 3, "runs per measurement (best is reported)")
	flag.Parse()
	ctx := context.Background()
	sizes := []int{1 << 20, 16 << 20, 64 << 20}

	moduleDir, err := oracle.Install(ctx, *oracleDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchenc: WASM baseline unavailable (%v); printing our figures only\n", err)
		moduleDir = ""
	}
	work, err := os.MkdirTemp("", "benchenc")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(work)

	// Whole processes first, while this process is small: a child's peak
	// RSS as the kernel reports it includes this process's peak at the
	// time of the exec (the child starts in its address space).
	whole := ""
	if moduleDir != "" {
		if whole, err = wholeProcess(ctx, moduleDir, work, *runs); err != nil {
			fmt.Fprintf(os.Stderr, "benchenc: whole-process comparison: %v\n", err)
		}
	}

	fmt.Printf("blob ID computation, P(N) inputs, GOMAXPROCS=%d, %s\n", runtime.GOMAXPROCS(0), time.Now().Format(time.DateOnly))
	fmt.Printf("%-6s %-8s %12s %12s %8s %14s\n", "n", "size", "walrusfs", "wasm", "speedup", "peak heap/blob")
	for _, n := range []int{1000, 100} {
		var wasm map[int]oracle.Timing
		if moduleDir != "" {
			if wasm, err = oracle.Bench(ctx, moduleDir, work, n, sizes); err != nil {
				fmt.Fprintf(os.Stderr, "benchenc: %v\n", err)
			}
		}
		enc, err := rs2.NewEncoder(n)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, size := range sizes {
			data := pattern(size)
			best := time.Duration(1<<63 - 1)
			var id blobid.ID
			var peak uint64
			for range *runs {
				runtime.GC()
				stop := samplePeak()
				t0 := time.Now()
				m, err := enc.ComputeMetadata(data)
				d := time.Since(t0)
				peak = max(peak, stop())
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				id = m.BlobID()
				best = min(best, d)
			}
			wasmCol, ratio := "n/a", "n/a"
			if t, ok := wasm[size]; ok {
				wasmCol = fmt.Sprintf("%.0f ms", t.Ms)
				ratio = fmt.Sprintf("%.1fx", t.Ms/float64(best.Microseconds())*1000)
				if t.BlobID != id.Hex() {
					ratio += " ID MISMATCH"
				}
			}
			fmt.Printf("%-6d %-8s %9.0f ms %12s %8s %13.2fx\n", n, fmt.Sprintf("%dMiB", size>>20),
				float64(best.Microseconds())/1000, wasmCol, ratio, float64(peak)/float64(size))
		}
	}
	encodeAll(sizes[len(sizes)-1])
	if whole != "" {
		fmt.Println(whole)
	}
}

// wholeProcess times `walrusfs blob-id FILE` against the oracle run the
// same way (node starts, loads the module, reads the file, prints the ID)
// on a 64 MiB file at n = 1000: what a user waits for, start-up, reading
// and memory included. Best of runs, interleaved.
func wholeProcess(ctx context.Context, moduleDir, work string, runs int) (string, error) {
	const size = 64 << 20
	bin := filepath.Join(work, "walrusfs")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/walrusfs").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building walrusfs: %w\n%s", err, out)
	}
	file := filepath.Join(work, "blob")
	if err := writePattern(file, size); err != nil {
		return "", err
	}
	oracleCmd := func() (*exec.Cmd, error) { return oracle.BlobIDCommand(ctx, moduleDir, work, 1000, file) }
	oursCmd := func() (*exec.Cmd, error) {
		return exec.CommandContext(ctx, bin, "blob-id", "--shards", "1000", file), nil
	}
	type result struct {
		best   time.Duration
		peakKB int64
		id     string
	}
	run := func(mk func() (*exec.Cmd, error), r *result) error {
		cmd, err := mk()
		if err != nil {
			return err
		}
		t0 := time.Now()
		out, err := cmd.Output()
		d := time.Since(t0)
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Path, err)
		}
		if r.best == 0 || d < r.best {
			r.best = d
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.peakKB = max(r.peakKB, ru.Maxrss)
		}
		r.id = strings.Fields(string(out))[0]
		return nil
	}
	var ours, wasm result
	for range runs {
		if err := run(oursCmd, &ours); err != nil {
			return "", err
		}
		if err := run(oracleCmd, &wasm); err != nil {
			return "", err
		}
	}
	id, err := blobid.Parse(ours.id)
	if err != nil {
		return "", err
	}
	match := "IDs match"
	if id.Hex() != wasm.id {
		match = "ID MISMATCH"
	}
	return fmt.Sprintf("whole process, blob ID of a 64 MiB file, n=1000 (best of %d): walrusfs blob-id %.2f s (peak RSS %d MiB), node + WASM %.2f s (peak RSS %d MiB): %.1fx, %s",
		runs, ours.best.Seconds(), ours.peakKB>>10, wasm.best.Seconds(), wasm.peakKB>>10,
		wasm.best.Seconds()/ours.best.Seconds(), match), nil
}

// writePattern writes P(size) to path a MiB at a time (the pattern of
// pattern(), without holding it: see wholeProcess on peak RSS).
func writePattern(path string, size int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for off := 0; off < size; off += len(buf) {
		for i := range buf {
			buf[i] = byte(7*(off+i) + 13)
		}
		if _, err := f.Write(buf[:min(len(buf), size-off)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// encodeAll measures a full encode (all 2n slivers emitted to a sink that
// drops them) at n = 1000: time and peak heap growth over the input.
func encodeAll(size int) {
	enc, err := rs2.NewEncoder(1000)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	data := pattern(size)
	runtime.GC()
	var emitted atomic.Int64
	stop := samplePeak()
	t0 := time.Now()
	_, err = enc.Encode(data, func(s *rs2.Sliver) error {
		emitted.Add(int64(len(s.Data)))
		return nil
	})
	d := time.Since(t0)
	peak := stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("full encode, n=1000, %dMiB: %.0f ms, %.2fx the blob emitted as slivers, peak heap %.2fx the blob\n",
		size>>20, float64(d.Microseconds())/1000, float64(emitted.Load())/float64(size), float64(peak)/float64(size))
}

// samplePeak samples the live heap every millisecond until the returned
// function is called, which returns the peak growth over the start.
func samplePeak() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > base && v-base > peak.Load() {
					peak.Store(v - base)
				}
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}
