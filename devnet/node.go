package devnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/certificate"
	"github.com/walrusfs/walrusfs/devnet/chain"
	"github.com/walrusfs/walrusfs/localnet/node"
	"github.com/walrusfs/walrusfs/sui"
)

// Fault is how a storage node misbehaves, for tests and rehearsals.
type Fault int32

const (
	// Healthy serves normally.
	Healthy Fault = iota
	// Down drops every connection, as a stopped node would.
	Down
	// BadSignatures answers confirmations with signatures that do not
	// verify (a lying or broken node).
	BadSignatures
	// Slow answers every request after SlowDelay.
	Slow
)

// SlowDelay is how long a Slow node takes to answer.
const SlowDelay = 300 * time.Millisecond

// Node is one storage node of a devnet.
type Node struct {
	Name   string
	node   *node.Node
	h      http.Handler
	fault  atomic.Int32
	before atomic.Pointer[func()]
}

// BeforeConfirm makes the node call fn before it signs each storage
// confirmation (nil: nothing); tests use it to change the epoch at that
// moment.
func (n *Node) BeforeConfirm(fn func()) {
	if fn == nil {
		n.before.Store(nil)
		return
	}
	n.before.Store(&fn)
}

// SetFault changes how the node behaves from now on.
func (n *Node) SetFault(f Fault) { n.fault.Store(int32(f)) }

// ServeHTTP implements http.Handler.
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch Fault(n.fault.Load()) {
	case Down:
		panic(http.ErrAbortHandler)
	case Slow:
		select {
		case <-time.After(SlowDelay):
		case <-r.Context().Done():
			return
		}
	}
	n.h.ServeHTTP(w, r)
}

func newNode(dir string, nl NodeLayout, shards int, k *nodeKeys, reg node.Registry, log *slog.Logger) (*Node, error) {
	n := &Node{Name: nl.Name}
	nd, err := node.Open(dir+"/data", node.Options{NShards: shards, Shards: nl.Shards, Logger: log,
		Registry: reg, Confirmer: &signer{sk: k.bls, n: n}})
	if err != nil {
		return nil, err
	}
	n.node, n.h = nd, nd.Handler()
	return n, nil
}

// signer signs storage confirmations with the node's BLS key.
type signer struct {
	sk *certificate.SecretKey
	n  *Node
}

func (s *signer) Confirm(epoch uint32, id blobid.ID, deletable *[32]byte) (msg, sig []byte, err error) {
	if fn := s.n.before.Load(); fn != nil {
		(*fn)()
	}
	msg = certificate.Message(epoch, id, deletable)
	if Fault(s.n.fault.Load()) == BadSignatures {
		// A valid signature by a key that is not the node's.
		other, err := certificate.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return msg, other.Sign(msg), nil
	}
	return msg, s.sk.Sign(msg), nil
}

// registry answers the nodes' "is this blob registered?" from the chain.
type registry struct{ c *chain.Chain }

func (r registry) Epoch() uint32 { return r.c.WalrusEpoch() }

func (r registry) Registered(ctx context.Context, id blobid.ID) (node.Registration, bool, error) {
	infos, err := r.c.Registered(ctx, id)
	if err != nil || len(infos) == 0 {
		return node.Registration{}, false, err
	}
	var reg node.Registration
	for _, in := range infos {
		oid, err := objectID(in.ObjectID)
		if err != nil {
			return node.Registration{}, false, err
		}
		reg.ObjectIDs = append(reg.ObjectIDs, oid)
		if in.Deletable {
			reg.Deletable = true
		} else {
			reg.Permanent = true
		}
		reg.EndEpoch = max(reg.EndEpoch, in.EndEpoch)
	}
	return reg, true, nil
}

// objectID decodes an object ID (0x + 64 hex).
func objectID(s string) ([32]byte, error) {
	var out [32]byte
	n, err := sui.NormalizeAddress(s)
	if err != nil {
		return out, err
	}
	_, err = hex.Decode(out[:], []byte(n[2:]))
	return out, err
}
