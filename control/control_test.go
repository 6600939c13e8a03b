package control

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/index"
)

// TestUnmountAnswerComplete: the daemon may close its control server the
// moment the unmount request has been answered; the client must still
// get the whole answer (it once got "unexpected EOF" when the server went
// before the handler returned).
func TestUnmountAnswerComplete(t *testing.T) {
	for i := range 200 {
		dir := t.TempDir()
		sock := filepath.Join(dir, SocketName)
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		var srv interface{ Close() error }
		ready := make(chan struct{})
		srv = Serve(context.Background(), ln, unmountOnly(func() {
			<-ready
			// What the daemon does on its way out, as early as it can.
			_ = srv.Close()
			_ = os.Remove(sock)
			close(closed)
		}))
		close(ready)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = NewClient(dir).Unmount(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		<-closed
	}
}

// TestRepackThreshold: the threshold travels to the daemon (0 = the
// mount's); an out-of-range one is refused before it.
func TestRepackThreshold(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	srv := Serve(t.Context(), ln, unmountOnly(func() {}))
	defer srv.Close()
	c := NewClient(dir)
	for th, want := range map[float64]string{0: "0", 0.25: "0.25", 1: "1"} {
		res, err := c.Repack(t.Context(), th)
		if err != nil || len(res.Repacked) != 1 || res.Repacked[0] != want {
			t.Fatalf("Repack(%v) = %+v, %v; want the daemon to see %s", th, res, err, want)
		}
	}
	if _, err := c.Repack(t.Context(), 1.5); err == nil {
		t.Fatal("threshold 1.5 accepted")
	}
}

// unmountOnly is a Daemon that only unmounts.
type unmountOnly func()

func (u unmountOnly) Unmount() { u() }

func (unmountOnly) Status(context.Context) (Status, error)          { return Status{}, nil }
func (unmountOnly) Sync(context.Context) error                      { return nil }
func (unmountOnly) Renew(context.Context) (RenewResult, error)      { return RenewResult{}, nil }
func (unmountOnly) Commit(context.Context) (CommitResult, error)    { return CommitResult{}, nil }
func (unmountOnly) Recovery(context.Context) (string, error)        { return "", nil }
func (unmountOnly) Snapshots(context.Context) (SnapshotList, error) { return SnapshotList{}, nil }
func (unmountOnly) BlobPlaintext(context.Context, blobid.ID) ([]byte, bool, error) {
	return nil, false, nil
}
func (unmountOnly) Repack(_ context.Context, th float64) (RepackResult, error) {
	return RepackResult{Repacked: []string{fmt.Sprint(th)}}, nil
}
func (unmountOnly) Expiring(context.Context, uint32) ([]ExpiringFile, error) { return nil, nil }
func (unmountOnly) Import(context.Context, string, blobid.ID) (index.Attr, error) {
	return index.Attr{}, nil
}
