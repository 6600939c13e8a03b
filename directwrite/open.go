package directwrite

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/localnet/committee"
	"github.com/walrusfs/walrusfs/nodetls"
	"github.com/walrusfs/walrusfs/onchain"
	"github.com/walrusfs/walrusfs/rs2"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/wallet"
)

// Options are the settings of Open besides the client configuration.
type Options struct {
	// DataDir holds the storage-node client's state.
	DataDir string
	// Epochs is how many epochs ahead blobs are stored for.
	Epochs uint32
	// Permanent stores permanent blobs; otherwise they are deletable.
	Permanent bool
	// Owner receives the Blob objects; "" means the wallet's address.
	Owner string
	// ReuseMinEpochs: see onchain.Config.ReuseMinEpochs.
	ReuseMinEpochs uint32
	// MaxWALPerEpoch caps the WAL spent per epoch (FROST; 0: no cap),
	// counted in DataDir across restarts.
	MaxWALPerEpoch uint64
	Logger         *slog.Logger
}

// Store is a Writer with the Sui and storage-node clients it opened;
// Close releases them.
type Store struct {
	*Writer
	Sui     *sui.Client
	Key     *wallet.Key
	Chain   *onchain.Client
	DataDir string
	desc    string
}

// Open connects to the network of a resolved Walrus client configuration:
// it dials its Sui full node, loads the wallet's key for the active
// address, reads the committee (storage nodes, their BLS keys and TLS
// keys) and returns a Store that writes and reads directly.
func Open(ctx context.Context, r *clientconf.Resolved, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if r.RPCURL == "" {
		return nil, fmt.Errorf("directwrite: %s names no Sui RPC URL (rpc_urls, or the wallet's env)", r.Walrus.Path)
	}
	ks, err := wallet.OpenKeystore(r.Keystore)
	if err != nil {
		return nil, err
	}
	if ks.Insecure {
		log.Warn("the keystore is readable by other users; run chmod 600 on it", "keystore", ks.Path, "mode", fmt.Sprintf("%#o", uint32(ks.Mode)))
	}
	if r.Address == "" {
		return nil, fmt.Errorf("directwrite: no active address in %s or %s", r.Walrus.Path, r.Sui.Path)
	}
	key, err := ks.Find(r.Address)
	if err != nil {
		return nil, err
	}
	network := sui.Network{Name: clientconf.KnownNetwork(r.Walrus.SystemObject), URL: r.RPCURL,
		SystemObject: r.Walrus.SystemObject, StakingObject: r.Walrus.StakingObject}
	sc, err := sui.Dial(network, r.RPCURL)
	if err != nil {
		return nil, err
	}
	// Type names use the walrus package's original ID: the System
	// object's type says it.
	_, typ, err := sc.SharedObject(ctx, r.Walrus.SystemObject)
	sc.Close()
	if err != nil {
		return nil, fmt.Errorf("directwrite: %w", err)
	}
	origin, _, ok := strings.Cut(typ, "::")
	if !ok {
		return nil, fmt.Errorf("directwrite: System object %s has type %q", r.Walrus.SystemObject, typ)
	}
	network.TypeOrigin = origin
	if sc, err = sui.Dial(network, r.RPCURL); err != nil {
		return nil, err
	}
	st, err := open(ctx, sc, key, r, o, log)
	if err != nil {
		sc.Close()
		return nil, err
	}
	return st, nil
}

func open(ctx context.Context, sc *sui.Client, key *wallet.Key, r *clientconf.Resolved, o Options, log *slog.Logger) (*Store, error) {
	oc, err := onchain.New(ctx, onchain.Config{Sui: sc, Key: key, System: r.Walrus.SystemObject, Owner: o.Owner,
		ReuseMinEpochs: o.ReuseMinEpochs, MaxWALPerEpoch: o.MaxWALPerEpoch, BudgetFile: budgetFile(o.DataDir), Logger: log})
	if err != nil {
		return nil, err
	}
	desc := fmt.Sprintf("Walrus %s via %s (wallet %s)", orName(r), r.RPCURL, key.Address())
	openCommittee := func(ctx context.Context) (*committee.Client, []certificate.Member, uint32, error) {
		return openNodes(ctx, sc, filepath.Join(o.DataDir, "nodes"), desc, log)
	}
	st, err := sc.ReadState(ctx)
	if err != nil {
		return nil, fmt.Errorf("directwrite: %w", err)
	}
	enc, err := rs2.NewEncoder(st.NShards)
	if err != nil {
		return nil, err
	}
	w, err := New(ctx, Config{Chain: oc, Sui: sc, Committee: openCommittee, Encoder: enc,
		Epochs: o.Epochs, Deletable: !o.Permanent, Logger: log, StateDir: o.DataDir})
	if err != nil {
		return nil, err
	}
	desc += fmt.Sprintf(", %d shards", st.NShards)
	return &Store{Writer: w, Sui: sc, Key: key, Chain: oc, DataDir: o.DataDir, desc: desc}, nil
}

// openNodes reads the current committee from the Staking object and opens
// a storage-node client over it: node URLs from their network addresses,
// TLS pinned to their network keys.
func openNodes(ctx context.Context, sc *sui.Client, dataDir, desc string, log *slog.Logger) (*committee.Client, []certificate.Member, uint32, error) {
	com, err := sc.Committee(ctx)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("directwrite: %w", err)
	}
	pins := map[string][]byte{}
	infos := make([]committee.NodeInfo, len(com.Members))
	members := make([]certificate.Member, len(com.Members))
	for i, m := range com.Members {
		shards := make([]int, len(m.Shards))
		for j, s := range m.Shards {
			shards[j] = int(s)
		}
		infos[i] = committee.NodeInfo{Name: m.Name, URL: "https://" + m.NetworkAddress, Shards: shards}
		members[i] = certificate.Member{PublicKey: m.PublicKey, Weight: len(m.Shards)}
		pins[m.NetworkAddress] = m.NetworkPublicKey
	}
	nodes, err := committee.Open(ctx, committee.Config{Committee: infos, DataDir: dataDir,
		HTTPClient: &http.Client{Transport: nodetls.Transport(pins, nil)},
		Location:   fmt.Sprintf("%s, epoch %d, %d nodes", desc, com.Epoch, len(infos)), Logger: log})
	if err != nil {
		return nil, nil, 0, err
	}
	return nodes, members, com.Epoch, nil
}

func orName(r *clientconf.Resolved) string {
	if n := clientconf.KnownNetwork(r.Walrus.SystemObject); n != "" {
		return n
	}
	if r.Walrus.Context != "" {
		return "context " + r.Walrus.Context
	}
	return r.Walrus.Path
}

// String describes the store for logs and status.
func (s *Store) String() string { return s.desc }

// Close releases the storage-node and Sui clients.
func (s *Store) Close() error {
	err := s.closeViews()
	if cerr := s.Sui.Close(); err == nil {
		err = cerr
	}
	return err
}

// budgetFile is where the WAL spent in the current epoch is counted.
func budgetFile(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "spending.json")
}
