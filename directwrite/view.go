package directwrite

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/localnet/committee"
)

// view is one epoch's committee: the storage-node client and the members'
// BLS keys and shard weights, in committee order.
type view struct {
	epoch   uint32
	nodes   *committee.Client
	members []certificate.Member
	users   int  // operations using it; GUARDED_BY(Writer.mu)
	retired bool // a newer view replaced it; closed once unused. GUARDED_BY(Writer.mu)
}

func openView(ctx context.Context, open func(context.Context) (*committee.Client, []certificate.Member, uint32, error)) (*view, error) {
	nodes, members, epoch, err := open(ctx)
	if err != nil {
		return nil, err
	}
	if len(members) != len(nodes.Members()) {
		nodes.Close()
		return nil, fmt.Errorf("directwrite: %d member keys for %d nodes", len(members), len(nodes.Members()))
	}
	return &view{epoch: epoch, nodes: nodes, members: members}, nil
}

// current returns the committee of the current epoch, opening it when
// the epoch changed since the last one; the caller releases it.
func (w *Writer) current(ctx context.Context) (*view, error) {
	st, err := w.cfg.Sui.ReadState(ctx)
	if err != nil {
		return nil, fmt.Errorf("directwrite: %w", err)
	}
	w.mu.Lock()
	v := w.cur
	if v.epoch >= st.Epoch {
		v.users++
		w.mu.Unlock()
		return v, nil
	}
	w.mu.Unlock()
	nv, err := openView(ctx, w.cfg.Committee)
	if err != nil {
		return nil, fmt.Errorf("directwrite: the committee of epoch %d: %w", st.Epoch, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old := w.cur; nv.epoch > old.epoch {
		w.log.Info("new committee", "epoch", nv.epoch, "nodes", len(nv.members))
		w.cur = nv
		old.retired = true
		if old.users == 0 {
			old.nodes.Close()
		}
	} else {
		nv.nodes.Close() // another operation got there first
	}
	w.cur.users++
	return w.cur, nil
}

// reading returns the newest committee for a read, without asking Sui.
func (w *Writer) reading() *view {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cur.users++
	return w.cur
}

func (w *Writer) release(v *view) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v.users--
	if v.retired && v.users == 0 {
		v.nodes.Close()
	}
}

// Epoch is the epoch of the committee the writer uses now.
func (w *Writer) Epoch() uint32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur.epoch
}

// Read reads a blob from the storage nodes, verified against its ID.
func (w *Writer) Read(ctx context.Context, id blobid.ID, off, length int64) ([]byte, error) {
	v := w.reading()
	defer w.release(v)
	return v.nodes.Read(ctx, id, off, length)
}

// Stat returns a blob's size, verified, from the storage nodes.
func (w *Writer) Stat(ctx context.Context, id blobid.ID) (blobstore.Info, error) {
	v := w.reading()
	defer w.release(v)
	return v.nodes.Stat(ctx, id)
}

// closeViews closes the current committee client.
func (w *Writer) closeViews() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cur.retired = true
	if w.cur.users == 0 {
		return w.cur.nodes.Close()
	}
	return nil
}
