package devnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/walrusfs/walrusfs/localnet"

	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/internal/atomicfile"
	"github.com/walrusfs/walrusfs/rs2"
)

// Defaults of a new devnet.
const (
	DefaultNodes         = 7
	DefaultShards        = 100
	DefaultEpochDuration = time.Hour
	// Funds of the devnet's wallet: 1000 SUI and 1000 WAL.
	DefaultSUI = 1000 * 1_000_000_000
	DefaultWAL = 1000 * 1_000_000_000
)

// Layout is DIR/devnet.json: what a devnet is made of, fixed when it is
// created, so that a restart serves the same addresses and keys.
type Layout struct {
	Shards        int          `json:"shards"`
	EpochDuration Duration     `json:"epoch_duration"`
	Sui           string       `json:"sui"`        // host:port of the Sui gRPC API
	Aggregator    string       `json:"aggregator"` // host:port of the aggregator
	Admin         string       `json:"admin"`      // host:port of the control API (epoch changes)
	Address       string       `json:"address"`    // the funded wallet address
	Nodes         []NodeLayout `json:"nodes"`
}

// NodeLayout is one storage node.
type NodeLayout struct {
	Name   string `json:"name"`
	Addr   string `json:"addr"` // host:port of its HTTPS API
	Shards []int  `json:"shards"`
}

// Duration is a time.Duration written as text ("1h0m0s") in JSON.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

func layoutPath(dir string) string { return filepath.Join(dir, "devnet.json") }

// LoadLayout reads DIR/devnet.json; fs.ErrNotExist if the devnet was
// never created there.
func LoadLayout(dir string) (*Layout, error) {
	b, err := os.ReadFile(layoutPath(dir))
	if err != nil {
		return nil, err
	}
	var l Layout
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("devnet: %s: %w", layoutPath(dir), err)
	}
	if _, err := rs2.NewParams(l.Shards); err != nil || len(l.Nodes) == 0 || l.Sui == "" || l.Admin == "" {
		return nil, fmt.Errorf("devnet: %s: incomplete or invalid layout", layoutPath(dir))
	}
	return &l, nil
}

func (l *Layout) save(dir string) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(layoutPath(dir), append(b, '\n'), &atomicfile.Options{Perm: 0o644})
}

// listeners are the sockets of a devnet, bound before anything is
// written so that a port taken by another program fails the start early.
type listeners struct {
	sui, aggregator, admin net.Listener
	nodes                  []net.Listener
}

func (ls *listeners) close() {
	for _, l := range append([]net.Listener{ls.sui, ls.aggregator, ls.admin}, ls.nodes...) {
		if l != nil {
			l.Close()
		}
	}
}

// listen binds addr ("" = a free port on 127.0.0.1).
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devnet: listening on %s: %w", addr, err)
	}
	return ln, nil
}

// bind binds every address of l, filling in the empty ones.
func (l *Layout) bind() (*listeners, error) {
	ls := &listeners{}
	var err error
	bindOne := func(addr *string) net.Listener {
		if err != nil {
			return nil
		}
		var ln net.Listener
		ln, err = listen(*addr)
		if err == nil {
			*addr = ln.Addr().String()
		}
		return ln
	}
	ls.sui = bindOne(&l.Sui)
	ls.aggregator = bindOne(&l.Aggregator)
	ls.admin = bindOne(&l.Admin)
	for i := range l.Nodes {
		ls.nodes = append(ls.nodes, bindOne(&l.Nodes[i].Addr))
	}
	if err != nil {
		ls.close()
		return nil, err
	}
	return ls, nil
}

// newLayout spreads shards over nodes as evenly as possible.
func newLayout(nodes, shards int, epoch time.Duration) (*Layout, error) {
	if _, err := rs2.NewParams(shards); err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	if nodes < 4 || nodes > shards {
		return nil, fmt.Errorf("devnet: %d nodes cannot share %d shards (need 4 to %d nodes, so that one node may fail)", nodes, shards, shards)
	}
	if epoch <= 0 {
		return nil, fmt.Errorf("devnet: epoch duration %v: want a positive duration", epoch)
	}
	l := &Layout{Shards: shards, EpochDuration: Duration(epoch)}
	for i, sh := range localnet.SpreadShards(nodes, shards) {
		l.Nodes = append(l.Nodes, NodeLayout{Name: fmt.Sprintf("node-%d", i), Shards: sh})
	}
	return l, nil
}

// nodeKeys are a storage node's secrets: its BLS key (confirmations) and
// its TLS key (whose public half is its on-chain network key).
type nodeKeys struct {
	bls *certificate.SecretKey
	tls *ecdsa.PrivateKey
}

// loadNodeKeys reads dir/bls.key and dir/tls.key, creating them when
// create is set and they do not exist.
func loadNodeKeys(dir string, create bool) (*nodeKeys, error) {
	blsPath, tlsPath := filepath.Join(dir, "bls.key"), filepath.Join(dir, "tls.key")
	b, err := os.ReadFile(blsPath)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		sk, err := certificate.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		tk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(tk)
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(blsPath, sk.Bytes(), &atomicfile.Options{Perm: 0o600}); err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(tlsPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), &atomicfile.Options{Perm: 0o600}); err != nil {
			return nil, err
		}
		return &nodeKeys{bls: sk, tls: tk}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("devnet: node key: %w", err)
	}
	sk, err := certificate.ParseSecretKey(b)
	if err != nil {
		return nil, fmt.Errorf("devnet: %s: %w", blsPath, err)
	}
	pb, err := os.ReadFile(tlsPath)
	if err != nil {
		return nil, fmt.Errorf("devnet: node key: %w", err)
	}
	blk, _ := pem.Decode(pb)
	if blk == nil {
		return nil, fmt.Errorf("devnet: %s: not a PEM private key", tlsPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devnet: %s: %w", tlsPath, err)
	}
	tk, ok := k.(*ecdsa.PrivateKey)
	if !ok || tk.Curve != elliptic.P256() {
		return nil, fmt.Errorf("devnet: %s: not a P-256 key", tlsPath)
	}
	return &nodeKeys{bls: sk, tls: tk}, nil
}
