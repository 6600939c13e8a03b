package chain

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTransactionLog(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CheckpointDelay = time.Second })
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	r1 := splitTx(h, u, 5).mustExec()
	h.clk.Add(time.Second)
	r2 := splitTx(h, u, 6).mustExec()
	ctx := context.Background()
	if got, _ := h.c.Transaction(ctx, r1.Digest); got.Checkpoint != 1 {
		t.Fatalf("checkpoint %d", got.Checkpoint)
	}
	log := filepath.Join(h.dir, txLogFile)
	good, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}

	// A record written before a crash that lost the state update is cut.
	if err := os.WriteFile(log, append(append([]byte(nil), good...), []byte(`{"Result":{"Digest":"x"}}`+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	h.reopen()
	if got, err := h.c.Transaction(ctx, r1.Digest); err != nil || got.Checkpoint != 1 || !got.Success {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if got, err := h.c.Transaction(ctx, r2.Digest); err != nil || got.Checkpoint != 0 {
		t.Fatalf("second transaction after reopen: %+v, %v", got, err)
	}
	if b, _ := os.ReadFile(log); string(b) != string(good) {
		t.Fatal("extra record not cut off")
	}
	// Executing goes on after the reopen.
	splitTx(h, u, 7).mustExec()

	cases := []struct {
		name, log, want string
	}{
		{"missing record", strings.SplitAfter(string(good), "\n")[0], "holds 1 transactions, the state names 3"},
		{"other transaction", strings.Replace(string(good), r1.Digest, r2.Digest, 1), "is transaction " + r2.Digest},
		{"garbage", "{\n", "record 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(log, []byte(c.log), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(h.dir, h.opts); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open = %v, want %q", err, c.want)
			}
		})
	}
}

// Storage nodes learn registrations from checkpointed events only.
func TestRegisteredAfterCheckpoint(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.CheckpointDelay = time.Second })
	u := newUser(1)
	h.fund(u, testSUI, testWAL)
	bl, id := h.register(u, 1, 1000, 3, true)
	ctx := context.Background()
	if reg, err := h.c.Registered(ctx, id); err != nil || len(reg) != 0 {
		t.Fatalf("Registered before the checkpoint = %+v, %v", reg, err)
	}
	h.clk.Add(time.Second)
	if reg, err := h.c.Registered(ctx, id); err != nil || len(reg) != 1 || reg[0].ObjectID != bl.ID {
		t.Fatalf("Registered after the checkpoint = %+v, %v", reg, err)
	}
	h.reopen()
	if reg, _ := h.c.Registered(ctx, id); len(reg) != 1 {
		t.Fatalf("Registered after reopen = %+v", reg)
	}
}
