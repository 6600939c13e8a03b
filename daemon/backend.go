package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
)

// BackendFile remembers, in the data directory, which back end the mount's
// blobs live on, so that a later mount cannot silently switch: the index
// names blobs by ID only, and those IDs mean nothing on another network.
const BackendFile = "backend.json"

// Backend kinds.
const (
	BackendEmbedded = "embedded"
	BackendWalrus   = "walrus"
)

// BackendRecord is the content of BackendFile. For Walrus it holds the
// network name (empty for a deployment given by URLs only), the URLs last
// used and the shard count blob IDs are computed with. No secret (the
// publisher token) is stored.
type BackendRecord struct {
	Kind        string   `json:"kind"`
	Network     string   `json:"network,omitempty"`
	Publisher   string   `json:"publisher,omitempty"`
	Aggregators []string `json:"aggregators,omitempty"`
	NShards     int      `json:"n_shards,omitempty"`
	// ClientConfig and Context name the Walrus CLI configuration (and
	// its context) whose wallet writes directly to the storage nodes.
	ClientConfig string `json:"client_config,omitempty"`
	Context      string `json:"context,omitempty"`
	// NoRenew: writes through a publisher, accepted unrenewed, for
	// Epochs epochs each.
	NoRenew bool `json:"no_renew,omitempty"`
	Epochs  int  `json:"epochs,omitempty"`
}

// ReadBackend returns the remembered back end of dataDir. A data
// directory from before BackendFile existed that holds an embedded network
// (network.json) is reported as embedded; a fresh one gives (nil, nil).
func ReadBackend(dataDir string) (*BackendRecord, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, BackendFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dataDir, "network.json")); err == nil {
			return &BackendRecord{Kind: BackendEmbedded}, nil
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r BackendRecord
	if err := json.Unmarshal(b, &r); err != nil || (r.Kind != BackendEmbedded && r.Kind != BackendWalrus) {
		return nil, fmt.Errorf("%s: not a back-end record (%v)", filepath.Join(dataDir, BackendFile), err)
	}
	return &r, nil
}

// walrusRecord describes a resolved Walrus configuration.
func walrusRecord(c *walrus.Config) BackendRecord {
	n := c.NShards
	if n == 0 {
		n = walrus.DefaultNShards
	}
	r := BackendRecord{Kind: BackendWalrus, Network: c.Network, Publisher: c.Publisher, Aggregators: c.Aggregators, NShards: n}
	if c.Client != nil {
		r.ClientConfig, r.Context = c.Client.Walrus.Path, c.Client.Walrus.Context
	}
	if c.NoRenew {
		r.NoRenew, r.Epochs = true, c.Epochs
	}
	return r
}

func (r *BackendRecord) String() string {
	if r.Kind == BackendEmbedded {
		return "the embedded network"
	}
	if r.Network != "" {
		return fmt.Sprintf("Walrus %s (%d shards)", r.Network, r.NShards)
	}
	return fmt.Sprintf("the Walrus deployment at %s (%d shards)", strings.Join(r.Aggregators, ", "), r.NShards)
}

// checkBackend compares what this mount asks for with the data
// directory's record and then (re)writes the record. A different kind, a
// different network name or a different shard count is an error naming
// both; new URLs for the same network are accepted and remembered.
func checkBackend(dataDir string, want BackendRecord) error {
	have, err := ReadBackend(dataDir)
	if err != nil {
		return err
	}
	if have != nil {
		same := have.Kind == want.Kind
		if same && want.Kind == BackendWalrus {
			same = have.Network == want.Network && have.NShards == want.NShards
		}
		if !same {
			return fmt.Errorf("data directory %s holds files stored on %s, not on %s: mount it with the same back end (or without back-end flags), or use another --data-dir",
				dataDir, have, &want)
		}
	}
	b, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dataDir, BackendFile), append(b, '\n'), nil)
}

// RememberBackend records in dataDir that its files are on the Walrus
// deployment w (walrusfs recover: a later walrusfs mount --data-dir D
// needs no back-end flags).
func RememberBackend(dataDir string, w *walrus.Config) error {
	return checkBackend(dataDir, walrusRecord(w))
}
