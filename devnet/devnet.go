// Package devnet runs a local Walrus network that behaves like the real
// one on the write path: a simulated Sui full node (devnet/chain served
// over the Sui gRPC API by devnet/suirpc) that executes the Walrus Move
// calls with their rules, storage nodes with BLS keys that accept slivers
// only for registered blobs and sign storage confirmations, served over
// TLS with self-signed certificates pinned by their on-chain network keys,
// and an aggregator (the project's verified read path over HTTP). It
// writes a Walrus client_config.yaml and a funded Sui wallet, so walrusfs
// (or any Walrus client) uses it exactly as it would use testnet.
//
// Everything lives in one directory and survives a restart: devnet.json
// (addresses and shards), chain/ (the chain state), nodes/NAME/ (keys and
// stored slivers), sui_config/ (wallet) and client_config.yaml.
package devnet

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/clientconf"
	"github.com/walrusfs/walrusfs/devnet/aggregator"
	"github.com/walrusfs/walrusfs/devnet/chain"
	"github.com/walrusfs/walrusfs/devnet/suirpc"
	"github.com/walrusfs/walrusfs/localnet/committee"
	"github.com/walrusfs/walrusfs/nodetls"
	"github.com/walrusfs/walrusfs/sui"
	"github.com/walrusfs/walrusfs/wallet"
)

// ContextName is the context of the client_config.yaml a devnet writes.
const ContextName = "devnet"

// Options configure Start. Nodes, Shards and EpochDuration apply when the
// directory is new; on an existing devnet a non-zero value that differs
// from the stored one is refused.
type Options struct {
	Dir           string
	Nodes, Shards int
	EpochDuration time.Duration
	Logger        *slog.Logger
}

// Devnet is a running devnet.
type Devnet struct {
	Dir    string
	Layout *Layout
	Chain  *chain.Chain
	Nodes  []*Node

	log    *slog.Logger
	ls     *listeners
	grpc   *grpc.Server
	https  []*http.Server
	reader *committee.Client
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

// ClientConfig is the path of the devnet's Walrus client configuration.
func ClientConfig(dir string) string { return filepath.Join(dir, "client_config.yaml") }

// Start creates (or reopens) the devnet in o.Dir and serves it until
// Close. It returns once every service accepts requests.
func Start(ctx context.Context, o Options) (*Devnet, error) {
	if o.Dir == "" {
		return nil, errors.New("devnet: no directory given")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l, err := LoadLayout(o.Dir)
	fresh := errors.Is(err, fs.ErrNotExist)
	switch {
	case fresh:
		l, err = newLayout(orDefault(o.Nodes, DefaultNodes), orDefault(o.Shards, DefaultShards), orDefault(o.EpochDuration, DefaultEpochDuration))
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := l.check(o); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	ls, err := l.bind()
	if err != nil {
		return nil, err
	}
	d := &Devnet{Dir: o.Dir, Layout: l, log: log, ls: ls}
	if err := d.open(ctx, fresh); err != nil {
		ls.close()
		d.closeAll()
		return nil, err
	}
	return d, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// check refuses options that contradict an existing devnet.
func (l *Layout) check(o Options) error {
	switch {
	case o.Nodes != 0 && o.Nodes != len(l.Nodes):
		return fmt.Errorf("devnet: %s was created with %d nodes; refusing --nodes %d (use a new directory)", o.Dir, len(l.Nodes), o.Nodes)
	case o.Shards != 0 && o.Shards != l.Shards:
		return fmt.Errorf("devnet: %s was created with %d shards; refusing --shards %d (use a new directory)", o.Dir, l.Shards, o.Shards)
	case o.EpochDuration != 0 && o.EpochDuration != time.Duration(l.EpochDuration):
		return fmt.Errorf("devnet: %s was created with epochs of %v; refusing --epoch-duration %v (use a new directory)", o.Dir, time.Duration(l.EpochDuration), o.EpochDuration)
	}
	return nil
}

// open loads or creates the keys and the chain, then starts the servers.
func (d *Devnet) open(ctx context.Context, fresh bool) error {
	l := d.Layout
	var members []chain.Member
	keys := make([]*nodeKeys, len(l.Nodes))
	for i, nl := range l.Nodes {
		k, err := loadNodeKeys(filepath.Join(d.Dir, "nodes", nl.Name), fresh)
		if err != nil {
			return err
		}
		keys[i] = k
		shards := make([]uint16, len(nl.Shards))
		for j, s := range nl.Shards {
			shards[j] = uint16(s)
		}
		members = append(members, chain.Member{Name: nl.Name, NetworkAddress: nl.Addr, PublicKey: k.bls.PublicKey(),
			NetworkPublicKey: nodetls.NetworkPublicKey(&k.tls.PublicKey), Shards: shards})
	}
	copts := chainOptions(l)
	copts.Members = members
	var err error
	chainDir := filepath.Join(d.Dir, "chain")
	if fresh {
		d.Chain, err = chain.New(chainDir, copts)
	} else {
		d.Chain, err = chain.Open(chainDir, copts)
	}
	if err != nil {
		return err
	}
	if fresh {
		if err := d.createWallet(); err != nil {
			return err
		}
		if err := l.save(d.Dir); err != nil {
			return err
		}
	}
	sctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	reg := registry{d.Chain}
	pins := map[string][]byte{}
	var infos []committee.NodeInfo
	for i, nl := range l.Nodes {
		nd, err := newNode(filepath.Join(d.Dir, "nodes", nl.Name), nl, l.Shards, keys[i], reg, d.log.With("node", nl.Name))
		if err != nil {
			return err
		}
		d.Nodes = append(d.Nodes, nd)
		cert, err := nodetls.SelfSigned(keys[i].tls, []string{"127.0.0.1", "localhost"})
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: nd, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)}
		d.serve(srv, func() error { return srv.ServeTLS(d.ls.nodes[i], "", "") })
		pins[nl.Addr] = members[i].NetworkPublicKey
		infos = append(infos, committee.NodeInfo{Name: nl.Name, URL: "https://" + nl.Addr, Shards: nl.Shards})
	}
	d.grpc = grpc.NewServer()
	suirpc.Register(d.grpc, d.Chain)
	d.wg.Go(func() {
		if err := d.grpc.Serve(d.ls.sui); err != nil {
			d.log.Error("sui gRPC server stopped", "err", err)
		}
	})
	d.reader, err = committee.Open(ctx, committee.Config{Committee: infos, DataDir: filepath.Join(d.Dir, "aggregator"),
		HTTPClient: &http.Client{Transport: nodetls.Transport(pins, nil)}, Logger: d.log.With("component", "aggregator"),
		Location: "devnet " + d.Dir})
	if err != nil {
		return err
	}
	agg := &http.Server{Handler: aggregator.Handler(d.reader, d.log), ReadHeaderTimeout: 30 * time.Second}
	d.serve(agg, func() error { return agg.Serve(d.ls.aggregator) })
	admin := &http.Server{Handler: d.adminHandler(), ReadHeaderTimeout: 30 * time.Second}
	d.serve(admin, func() error { return admin.Serve(d.ls.admin) })
	d.wg.Go(func() { d.epochLoop(sctx) })
	return nil
}

func (d *Devnet) serve(srv *http.Server, run func() error) {
	d.https = append(d.https, srv)
	d.wg.Go(func() {
		if err := run(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("server stopped", "err", err)
		}
	})
}

// createWallet writes the devnet's funded wallet and its client
// configuration.
func (d *Devnet) createWallet() error {
	key, err := d.writeWallet(d.Dir, ClientConfig(d.Dir), wallet.Ed25519)
	if err != nil {
		return err
	}
	d.Layout.Address = key.Address()
	return d.Chain.Fund(key.Address(), DefaultSUI, DefaultWAL)
}

// NewWallet makes another wallet with a key of scheme in dir
// (dir/sui_config and dir/client_config.yaml, context "devnet"), funds it
// with suiMIST and walFROST, and returns its client configuration and
// key. Tests use it for other key schemes and for wallets that cannot pay.
func (d *Devnet) NewWallet(dir string, scheme wallet.Scheme, suiMIST, walFROST uint64) (string, *wallet.Key, error) {
	conf := filepath.Join(dir, "client_config.yaml")
	key, err := d.writeWallet(dir, conf, scheme)
	if err != nil {
		return "", nil, err
	}
	return conf, key, d.Chain.Fund(key.Address(), suiMIST, walFROST)
}

// writeWallet writes a new key to dir/sui_config/sui.keystore, a Sui
// client.yaml next to it and a Walrus client configuration conf.
func (d *Devnet) writeWallet(dir, conf string, scheme wallet.Scheme) (*wallet.Key, error) {
	key, err := wallet.NewKey(scheme, rand.Reader)
	if err != nil {
		return nil, err
	}
	suiDir := filepath.Join(dir, "sui_config")
	if err := os.MkdirAll(suiDir, 0o700); err != nil {
		return nil, err
	}
	ks := filepath.Join(suiDir, "sui.keystore")
	if err := wallet.WriteKeystore(ks, []*wallet.Key{key}); err != nil {
		return nil, err
	}
	rpc := "http://" + d.Layout.Sui
	suiConf := filepath.Join(suiDir, "client.yaml")
	if err := clientconf.WriteSui(suiConf, clientconf.Sui{Keystore: ks, Envs: []clientconf.SuiEnv{{Alias: ContextName, RPC: rpc}},
		ActiveEnv: ContextName, ActiveAddress: key.Address()}); err != nil {
		return nil, err
	}
	w := clientconf.Walrus{
		SystemObject: d.Chain.SystemObject().ID, StakingObject: d.Chain.StakingObject().ID,
		NShards: d.Layout.Shards, RPCURLs: []string{rpc},
		Wallet: clientconf.Wallet{Path: suiConf, ActiveEnv: ContextName, ActiveAddress: key.Address()},
	}
	if err := clientconf.WriteWalrus(conf, map[string]clientconf.Walrus{ContextName: w}, ContextName); err != nil {
		return nil, err
	}
	return key, nil
}

// epochLoop advances the epoch every EpochDuration.
func (d *Devnet) epochLoop(ctx context.Context) {
	t := time.NewTicker(time.Duration(d.Layout.EpochDuration))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if e, err := d.Chain.AdvanceEpoch(1); err != nil {
				d.log.Error("advancing the epoch", "err", err)
			} else {
				d.log.Info("new epoch", "epoch", e)
			}
		}
	}
}

// adminHandler serves the control API: POST /v1/epoch?advance=N.
func (d *Devnet) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/epoch", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("advance"))
		if err != nil || n < 0 {
			http.Error(w, "advance: want a number >= 0", http.StatusBadRequest)
			return
		}
		e := d.Chain.WalrusEpoch()
		if n > 0 {
			if e, err = d.Chain.AdvanceEpoch(n); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]uint32{"epoch": e})
	})
	return mux
}

// Close stops every server and closes the state.
func (d *Devnet) Close() error { return d.closeAll() }

func (d *Devnet) closeAll() error {
	if d.stop != nil {
		d.stop()
	}
	var errs []error
	for _, s := range d.https {
		// Requests in flight get a moment to finish; connections that
		// clients keep open without a request are then cut.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := s.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, ignoreClosed(s.Close()))
		} else {
			errs = append(errs, ignoreClosed(err))
		}
		cancel()
	}
	if d.grpc != nil {
		d.grpc.Stop()
	}
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
	}
	d.wg.Wait()
	if d.Chain != nil {
		errs = append(errs, d.Chain.Close())
	}
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Prices of a devnet, in FROST per MiB unit of encoded length: storage
// per epoch, and the write fee paid once. A blob of 64 MiB at 1000 shards
// (350 units) costs 0.0035 WAL an epoch and 0.007 WAL to write.
const (
	StoragePrice = 10_000
	WritePrice   = 20_000
)

// CheckpointDelay is how long a devnet transaction waits for its
// checkpoint: clients must wait for it before the nodes see the objects.
const CheckpointDelay = 100 * time.Millisecond

func chainOptions(l *Layout) chain.Options {
	return chain.Options{NShards: l.Shards, EpochDuration: time.Duration(l.EpochDuration),
		StoragePricePerUnit: StoragePrice, WritePricePerUnit: WritePrice, CheckpointDelay: CheckpointDelay,
		VerifySignature: wallet.VerifyTransaction, CheckCertificate: checkCertificate}
}

// checkCertificate is certify_blob's certificate check, for the chain.
func checkCertificate(members []chain.CertMember, sig, bitmap, msg []byte) error {
	ms := make([]certificate.Member, len(members))
	for i, m := range members {
		ms[i] = certificate.Member{PublicKey: m.PublicKey, Weight: m.Weight}
	}
	return certificate.Check(ms, sig, bitmap, msg)
}

// AdvanceEpoch asks the devnet serving dir to advance its epoch by n (0:
// report it) and returns the epoch then. When no devnet serves dir, it
// changes the stored chain state directly.
func AdvanceEpoch(ctx context.Context, dir string, n int) (uint32, error) {
	l, err := LoadLayout(dir)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+l.Admin+"/v1/epoch?advance="+strconv.Itoa(n), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var out struct{ Epoch uint32 }
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("devnet: advancing the epoch: HTTP %d", resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return 0, fmt.Errorf("devnet: advancing the epoch: %w", err)
		}
		return out.Epoch, nil
	}
	// Not running: the state is ours alone.
	c, err := chain.Open(filepath.Join(dir, "chain"), chainOptions(l))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if n == 0 {
		return c.WalrusEpoch(), nil
	}
	return c.AdvanceEpoch(n)
}

// SuiClient dials the devnet's Sui API (for tests and tools); the caller
// closes it.
func (d *Devnet) SuiClient() (*sui.Client, error) {
	return sui.Dial(sui.Network{Name: ContextName, SystemObject: d.Chain.SystemObject().ID, StakingObject: d.Chain.StakingObject().ID,
		TypeOrigin: d.Chain.PackageID(), WALType: d.Chain.WALType()}, "http://"+d.Layout.Sui)
}
