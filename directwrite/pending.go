package directwrite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/onchain"
)

// PendingFile is the name, in Config.StateDir, of the blobs registered on
// chain and not certified yet: a write that fails, or a daemon that stops,
// between registration and certification leaves its registration there,
// and the next write of the same blob uses it instead of paying again.
const PendingFile = "registered.json"

// pendingEntry is one registration on disk.
type pendingEntry struct {
	BlobID      blobid.ID `json:"blob_id"`
	ObjectID    string    `json:"object_id"`
	Size        uint64    `json:"size"`
	Deletable   bool      `json:"deletable"`
	StartEpoch  uint32    `json:"start_epoch"`
	EndEpoch    uint32    `json:"end_epoch"`
	EncodedSize uint64    `json:"encoded_size"`
	CostFROST   string    `json:"cost_frost"`
}

// loadPending reads the registrations of dir ("" = none).
func loadPending(dir string) (map[blobid.ID]registration, error) {
	out := map[blobid.ID]registration{}
	if dir == "" {
		return out, nil
	}
	b, err := os.ReadFile(dir + "/" + PendingFile)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("directwrite: %w", err)
	}
	var list []pendingEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("directwrite: %s/%s: %w", dir, PendingFile, err)
	}
	for _, e := range list {
		cost, _ := new(big.Int).SetString(e.CostFROST, 10)
		if cost == nil {
			cost = new(big.Int)
		}
		out[e.BlobID] = registration{
			blob: onchain.Blob{BlobID: e.BlobID, Size: e.Size, Deletable: e.Deletable, StartEpoch: e.StartEpoch,
				EndEpoch: e.EndEpoch, EncodedSize: e.EncodedSize},
			spent:    onchain.Spent{WAL: cost},
			objectID: e.ObjectID,
			stale:    true,
		}
	}
	return out, nil
}

// savePending writes the registrations. REQUIRES w.mu held.
func (w *Writer) savePending() error {
	if w.cfg.StateDir == "" {
		return nil
	}
	list := make([]pendingEntry, 0, len(w.registered))
	for id, r := range w.registered {
		cost := "0"
		if r.spent.WAL != nil {
			cost = r.spent.WAL.String()
		}
		list = append(list, pendingEntry{BlobID: id, ObjectID: r.objectID, Size: r.blob.Size, Deletable: r.blob.Deletable,
			StartEpoch: r.blob.StartEpoch, EndEpoch: r.blob.EndEpoch, EncodedSize: r.blob.EncodedSize, CostFROST: cost})
	}
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(w.cfg.StateDir, 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(w.cfg.StateDir+"/"+PendingFile, b, &atomicfile.Options{Perm: 0o600})
}

// refresh checks a registration read from disk against the chain: the
// Blob object must still exist, belong to the blob, be uncertified and
// not expired; it returns the object's current reference.
func (w *Writer) refresh(ctx context.Context, r registration) (onchain.Blob, bool) {
	bl, err := w.cfg.Sui.Blob(ctx, r.objectID)
	if err != nil || bl.BlobID != r.blob.BlobID || bl.Certified {
		return onchain.Blob{}, false
	}
	st, err := w.cfg.Sui.ReadState(ctx)
	if err != nil || bl.EndEpoch <= st.Epoch {
		return onchain.Blob{}, false
	}
	ref, err := w.cfg.Sui.ObjectRef(ctx, r.objectID)
	if err != nil {
		return onchain.Blob{}, false
	}
	b := r.blob
	b.Ref = ref
	return b, true
}
