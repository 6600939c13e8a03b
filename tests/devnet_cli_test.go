package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/internal/syncbuf"
)

// devnetProc is a `walrusfs devnet start` subprocess.
type devnetProc struct {
	cmd  *exec.Cmd
	log  *syncbuf.Buffer
	done chan error
}

// startDevnetProc runs `walrusfs devnet start --dir dir args...` and waits
// for its "devnet ready" line.
func startDevnetProc(t *testing.T, dir string, args ...string) *devnetProc {
	t.Helper()
	p := &devnetProc{log: &syncbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary, append([]string{"devnet", "start", "--dir", dir}, args...)...)
	p.cmd.Stderr = p.log
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "devnet ready" {
				ready <- sc.Text()
			}
		}
	}()
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	select {
	case <-ready:
	case err := <-p.done:
		p.done <- err
		t.Fatalf("devnet exited before it was ready: %v\n%s", err, p.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("devnet not ready within 60 s\n%s", p.log)
	}
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *devnetProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("devnet exited with %v\n%s", err, p.log)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("devnet did not stop within 30 s\n%s", p.log)
	}
}

// cli runs walrusfs with args and returns its standard output; stderr
// goes into the failure message.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("walrusfs %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// TestDevnetCommands: `walrusfs devnet start` serves a devnet that `store`
// and `read` use with --config alone; `devnet epoch` advances the epoch;
// the state (epoch, blobs) survives a restart; the wallet commands read
// its wallet.
func TestDevnetCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	dir := filepath.Join(t.TempDir(), "devnet")
	p := startDevnetProc(t, dir, "--nodes", "5", "--shards", "40")
	conf := filepath.Join(dir, "client_config.yaml")
	file := filepath.Join(t.TempDir(), "hello.bin")
	writeRandomFile(t, file, 700_000, 3)
	out := cli(t, "store", "--config", conf, "--epochs", "5", file)
	id, name, ok := strings.Cut(strings.TrimSpace(out), " ")
	if !ok || name != file {
		t.Fatalf("store printed %q", out)
	}
	got := filepath.Join(t.TempDir(), "got.bin")
	cli(t, "read", "--config", conf, id, "-o", got)
	if fileSHA(t, got) != fileSHA(t, file) {
		t.Fatal("read back different bytes")
	}
	if e := strings.TrimSpace(cli(t, "devnet", "epoch", "--dir", dir, "--advance", "2")); e != "3" {
		t.Fatalf("devnet epoch printed %q, want 3", e)
	}
	addr := strings.Fields(cli(t, "wallet", "address", "--keystore", filepath.Join(dir, "sui_config", "sui.keystore")))
	if len(addr) != 2 || addr[1] != "ed25519" {
		t.Fatalf("wallet address: %q", addr)
	}
	bal := cli(t, "wallet", "balance", "--config", conf)
	if !strings.Contains(bal, addr[0]) || !strings.Contains(bal, "WAL") || strings.Contains(bal, "WAL:     1000 WAL") {
		t.Fatalf("wallet balance after a store:\n%s", bal)
	}
	// status with --config reports the wallet, even with no mount.
	var st struct {
		Wallet *struct {
			Address string `json:"address"`
			WAL     uint64 `json:"wal_frost"`
		} `json:"wallet"`
	}
	out = cli(t, "status", "--config", conf, "--json", "--data-dir", t.TempDir())
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Wallet == nil || st.Wallet.Address != addr[0] || st.Wallet.WAL == 0 {
		t.Fatalf("status --config --json: %v\n%s", err, out)
	}
	p.stop(t)

	// Stopped: epoch reads the stored state; a restart serves it again.
	if e := strings.TrimSpace(cli(t, "devnet", "epoch", "--dir", dir, "--advance", "0")); e != "3" {
		t.Fatalf("epoch of the stopped devnet: %q", e)
	}
	startDevnetProc(t, dir)
	os.Remove(got)
	cli(t, "read", "--config", conf, id, "-o", got)
	if fileSHA(t, got) != fileSHA(t, file) {
		t.Fatal("read after restart: different bytes")
	}
	// Storing the same bytes again registers another Blob object for
	// them: same blob ID.
	out = cli(t, "store", "--config", conf, "--epochs", "2", file)
	if !strings.HasPrefix(out, id+" ") {
		t.Fatalf("store after restart printed %q", out)
	}
}
