package committee

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/blobstore/blobstoretest"
	"github.com/walrusfs/walrusfs/localnet/node"
	"github.com/walrusfs/walrusfs/nodetls"
)

// registry is a chain the tests control.
type registry struct {
	mu    sync.Mutex
	epoch uint32
	regs  map[blobid.ID]node.Registration
}

func (r *registry) Registered(ctx context.Context, id blobid.ID) (node.Registration, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reg, ok := r.regs[id]
	return reg, ok, nil
}

func (r *registry) Epoch() uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.epoch
}

func (r *registry) set(id blobid.ID, reg node.Registration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.regs[id] = reg
}

// expectedMessage is the storage confirmation message (intent 01 00 03,
// epoch u32 LE, blob ID, kind).
func expectedMessage(epoch uint32, id blobid.ID, obj *[32]byte) []byte {
	m := binary.LittleEndian.AppendUint32([]byte{1, 0, 3}, epoch)
	m = append(m, id[:]...)
	if obj == nil {
		return append(m, 0)
	}
	return append(append(m, 1), obj[:]...)
}

// nodeSig stands in for node i's BLS signature of msg.
func nodeSig(i int, msg []byte) []byte {
	h := sha256.Sum256(append([]byte{byte(i)}, msg...))
	return bytes.Repeat(h[:], 3)
}

func blobID(t *testing.T, c *Client, data []byte) blobid.ID {
	t.Helper()
	x, err := c.enc.Prepare(data)
	if err != nil {
		t.Fatal(err)
	}
	return x.Metadata().BlobID()
}

// chainCommittee starts nNodes chain-mode nodes over nShards shards that
// share reg; every request to node i goes through wrap(i, ...) if set.
func chainCommittee(t *testing.T, nNodes, nShards int, reg *registry, wrap func(i int, h http.Handler) http.Handler) ([]NodeInfo, map[string]http.Handler) {
	var infos []NodeInfo
	local := map[string]http.Handler{}
	next := 0
	for i := range nNodes {
		var shards []int
		for range nShards / nNodes {
			shards = append(shards, next)
			next++
		}
		if i == nNodes-1 {
			for ; next < nShards; next++ {
				shards = append(shards, next)
			}
		}
		nd, err := node.Open(filepath.Join(t.TempDir(), fmt.Sprint("n", i)), node.Options{
			NShards: nShards, Shards: shards, NoSync: true, Registry: reg,
			Confirmer: node.ConfirmerFunc(func(epoch uint32, id blobid.ID, obj *[32]byte) ([]byte, []byte, error) {
				msg := expectedMessage(epoch, id, obj)
				return msg, nodeSig(i, msg), nil
			})})
		if err != nil {
			t.Fatal(err)
		}
		h := nd.Handler()
		if wrap != nil {
			h = wrap(i, h)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		infos = append(infos, NodeInfo{Name: fmt.Sprint("node-", i), URL: srv.URL, Shards: shards})
		local[srv.URL] = h
	}
	return infos, local
}

// TestConfirmationFlow registers, uploads and collects confirmations,
// over HTTP and in-process.
func TestConfirmationFlow(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		t.Run(fmt.Sprint("local=", inProcess), func(t *testing.T) {
			reg := &registry{epoch: 3, regs: map[blobid.ID]node.Registration{}}
			infos, local := chainCommittee(t, 4, 10, reg, nil)
			cfg := Config{Committee: infos, MetadataAttempts: 1}
			if inProcess {
				cfg.Local = local
			}
			c := open(t, cfg)
			data := blobstoretest.Data(5, 50_000)

			// Not registered: every node refuses, the write fails.
			if _, err := c.Put(context.Background(), data); !errors.Is(err, blobstore.ErrUnavailable) {
				t.Fatalf("Put of an unregistered blob: %v", err)
			}
			id := blobID(t, c, data)
			for _, n := range infos {
				if _, _, err := c.Confirmation(context.Background(), n.URL, id, nil); !errors.Is(err, ErrNotRegistered) || !errors.Is(err, ErrRefused) || errors.Is(err, ErrNodeDown) {
					t.Fatalf("confirmation of an unregistered blob from %s: %v", n.Name, err)
				}
			}

			obj := [32]byte{0: 0xaa, 31: 1}
			reg.set(id, node.Registration{Deletable: true, EndEpoch: 9, ObjectIDs: [][32]byte{obj}})
			info, err := c.Put(context.Background(), data)
			if err != nil || info.ID != id {
				t.Fatalf("Put: %v %v", info, err)
			}
			for i, n := range infos {
				for _, o := range []*[32]byte{nil, &obj} {
					msg, sig, err := c.Confirmation(context.Background(), n.URL+"/", id, o)
					want := expectedMessage(3, id, o)
					if err != nil || !bytes.Equal(msg, want) || !bytes.Equal(sig, nodeSig(i, want)) {
						t.Fatalf("confirmation from %s (object %v): %x %v", n.Name, o, msg, err)
					}
				}
				other := [32]byte{5}
				if _, _, err := c.Confirmation(context.Background(), n.URL, id, &other); !errors.Is(err, ErrNotRegistered) || !strings.Contains(err.Error(), "0x05") {
					t.Fatalf("confirmation for another object from %s: %v", n.Name, err)
				}
			}
		})
	}
}

// TestMetadataRetry: nodes that see the registration late are asked
// again for the metadata, MetadataAttempts times NotRegisteredDelay
// apart; with one attempt the upload fails.
func TestMetadataRetry(t *testing.T) {
	data := blobstoretest.Data(6, 30_000)
	for _, attempts := range []int{1, 3} {
		t.Run(fmt.Sprint("attempts=", attempts), func(t *testing.T) {
			reg := &registry{epoch: 1, regs: map[blobid.ID]node.Registration{}}
			var metaPuts atomic.Int64
			infos, _ := chainCommittee(t, 4, 10, reg, func(i int, h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == "PUT" && strings.HasSuffix(r.URL.Path, "/metadata") {
						metaPuts.Add(1)
					}
					h.ServeHTTP(w, r)
				})
			})
			c := open(t, Config{Committee: infos, MetadataAttempts: attempts, NotRegisteredDelay: 150 * time.Millisecond})
			id := blobID(t, c, data)
			go func() {
				time.Sleep(100 * time.Millisecond)
				reg.set(id, node.Registration{Permanent: true, EndEpoch: 4})
			}()
			start := time.Now()
			_, err := c.Put(context.Background(), data)
			switch attempts {
			case 1:
				if !errors.Is(err, blobstore.ErrUnavailable) || metaPuts.Load() != 4 {
					t.Fatalf("one attempt: %v after %d metadata PUTs", err, metaPuts.Load())
				}
			default:
				if err != nil || metaPuts.Load() != 8 || time.Since(start) < 150*time.Millisecond {
					t.Fatalf("retrying: %v after %d metadata PUTs in %v", err, metaPuts.Load(), time.Since(start))
				}
			}
		})
	}
}

// TestPendingUpload: with Config.Pending the nodes buffer an upload sent
// before the registration; the confirmations come once it appears.
func TestPendingUpload(t *testing.T) {
	reg := &registry{epoch: 2, regs: map[blobid.ID]node.Registration{}}
	var pendingPuts atomic.Int64
	infos, _ := chainCommittee(t, 4, 10, reg, func(i int, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "PUT" && r.URL.Query().Get("pending") == "true" {
				pendingPuts.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	c := open(t, Config{Committee: infos, Pending: true, MetadataAttempts: 1})
	data := blobstoretest.Data(7, 20_000)
	info, err := c.Put(context.Background(), data)
	if err != nil {
		t.Fatalf("pending Put: %v", err)
	}
	if pendingPuts.Load() != 4+2*10 {
		t.Fatalf("%d PUTs with ?pending=true, want %d", pendingPuts.Load(), 4+2*10)
	}
	if _, _, err := c.Confirmation(context.Background(), infos[0].URL, info.ID, nil); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("confirmation before the registration: %v", err)
	}
	reg.set(info.ID, node.Registration{Permanent: true, EndEpoch: 5})
	for i, n := range infos {
		msg, sig, err := c.Confirmation(context.Background(), n.URL, info.ID, nil)
		if want := expectedMessage(2, info.ID, nil); err != nil || !bytes.Equal(msg, want) || !bytes.Equal(sig, nodeSig(i, want)) {
			t.Fatalf("confirmation from %s after the registration: %v", n.Name, err)
		}
	}
	got, err := c.Read(context.Background(), info.ID, 0, -1)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
}

// TestConfirmationErrors decodes what broken or failing nodes answer.
func TestConfirmationErrors(t *testing.T) {
	id := blobid.ID{9}
	answer := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	const good = `{"success":{"code":200,"data":{"signed":{"serializedMessage":"AQAD","signature":"qqo="}}}}`
	refusal := func(reason string) string {
		return `{"error":{"code":400,"status":"FAILED_PRECONDITION","message":"no","details":[{"@type":"ErrorInfo","reason":"` + reason + `","domain":"storage.walrus.space","metadata":{}}]}}`
	}
	cases := []struct {
		name    string
		h       http.Handler
		want    error
		notWant error
	}{
		{"not JSON", answer(200, "<html>"), ErrBadResponse, ErrNodeDown},
		{"error shape with 200", answer(200, `{"error":{"code":400}}`), ErrBadResponse, nil},
		{"wrong success code", answer(200, strings.Replace(good, `"code":200`, `"code":201`, 1)), ErrBadResponse, nil},
		{"no signature", answer(200, `{"success":{"code":200,"data":{"signed":{"serializedMessage":"AQAD"}}}}`), ErrBadResponse, nil},
		{"URL-safe base64", answer(200, strings.Replace(good, "qqo=", "-_-_", 1)), ErrBadResponse, nil},
		{"bad message base64", answer(200, strings.Replace(good, "AQAD", "AQA", 1)), ErrBadResponse, nil},
		{"too large", answer(200, strings.Repeat(" ", 70<<10)+good), ErrBadResponse, ErrNodeDown},
		{"not registered", answer(400, refusal("NOT_REGISTERED")), ErrNotRegistered, ErrMissingSlivers},
		{"missing slivers", answer(400, refusal("MISSING_SLIVERS")), ErrMissingSlivers, ErrNotRegistered},
		{"other refusal", answer(400, refusal("SOMETHING_ELSE")), ErrRefused, ErrNotRegistered},
		{"500 text", answer(500, "boom"), ErrRefused, ErrNodeDown},
		{"dropped connection", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }), ErrNodeDown, ErrRefused},
		{"hang", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }), ErrNodeDown, ErrRefused},
	}
	// The committee is one stub node; the stubs under test are outside
	// it, so Confirmation calls them over HTTP by URL.
	stub := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(stub.Close)
	c := open(t, Config{Committee: []NodeInfo{{Name: "stub", URL: stub.URL, Shards: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}}, RequestTimeout: 300 * time.Millisecond})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			_, _, err := c.Confirmation(context.Background(), srv.URL, id, nil)
			if !errors.Is(err, tc.want) || (tc.notWant != nil && errors.Is(err, tc.notWant)) {
				t.Fatalf("error %v: want %v, not %v", err, tc.want, tc.notWant)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		srv := httptest.NewServer(answer(200, good))
		defer srv.Close()
		msg, sig, err := c.Confirmation(context.Background(), srv.URL, id, nil)
		if err != nil || !bytes.Equal(msg, []byte{1, 0, 3}) || !bytes.Equal(sig, []byte{0xaa, 0xaa}) {
			t.Fatalf("good answer: %x %x %v", msg, sig, err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		srv := httptest.NewServer(answer(200, good))
		url := srv.URL
		srv.Close()
		if _, _, err := c.Confirmation(context.Background(), url, id, nil); !errors.Is(err, ErrNodeDown) {
			t.Fatalf("closed node: %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		if _, _, err := c.Confirmation(ctx, srv.URL, id, nil); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNodeDown) {
			t.Fatalf("canceled: %v", err)
		}
	})
}

// TestConfirmationOverPinnedTLS serves chain-mode nodes over TLS with
// self-signed certificates for their network keys (as Walrus nodes do)
// and talks to them with the keys pinned.
func TestConfirmationOverPinnedTLS(t *testing.T) {
	reg := &registry{epoch: 8, regs: map[blobid.ID]node.Registration{}}
	keys := map[string][]byte{}
	swapped := map[string][]byte{}
	var infos []NodeInfo
	var prev []byte
	for i := range 2 {
		shards := []int{5 * i, 5*i + 1, 5*i + 2, 5*i + 3, 5*i + 4}
		nd, err := node.Open(t.TempDir(), node.Options{NShards: 10, Shards: shards, NoSync: true, Registry: reg,
			Confirmer: node.ConfirmerFunc(func(epoch uint32, id blobid.ID, obj *[32]byte) ([]byte, []byte, error) {
				msg := expectedMessage(epoch, id, obj)
				return msg, nodeSig(i, msg), nil
			})})
		if err != nil {
			t.Fatal(err)
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := nodetls.SelfSigned(key, []string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- nd.Serve(ctx, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})) }()
		t.Cleanup(func() { cancel(); <-done })
		addr := ln.Addr().String()
		keys[addr] = nodetls.NetworkPublicKey(&key.PublicKey)
		if prev != nil {
			swapped[addr] = prev
		}
		prev = keys[addr]
		infos = append(infos, NodeInfo{Name: fmt.Sprint("tls-", i), URL: "https://" + addr, Shards: shards})
	}
	swapped[strings.TrimPrefix(infos[0].URL, "https://")] = prev

	// Idle connections are closed before the servers stop (cleanups run
	// in reverse): a server waits for a connection that never carried a
	// request.
	good, wrong := nodetls.Transport(keys, nil), nodetls.Transport(swapped, nil)
	t.Cleanup(good.CloseIdleConnections)
	t.Cleanup(wrong.CloseIdleConnections)
	c := open(t, Config{Committee: infos, HTTPClient: &http.Client{Transport: good}})
	data := blobstoretest.Data(11, 40_000)
	id := blobID(t, c, data)
	reg.set(id, node.Registration{Permanent: true, EndEpoch: 10})
	if _, err := c.Put(context.Background(), data); err != nil {
		t.Fatalf("Put over pinned TLS: %v", err)
	}
	for i, n := range infos {
		msg, sig, err := c.Confirmation(context.Background(), n.URL, id, nil)
		if want := expectedMessage(8, id, nil); err != nil || !bytes.Equal(msg, want) || !bytes.Equal(sig, nodeSig(i, want)) {
			t.Fatalf("confirmation from %s over TLS: %v", n.Name, err)
		}
	}
	// With each node's key pinned on the other, no connection is made.
	bad := open(t, Config{Committee: infos, HTTPClient: &http.Client{Transport: wrong}})
	for _, n := range infos {
		if _, _, err := bad.Confirmation(context.Background(), n.URL, id, nil); !errors.Is(err, ErrNodeDown) || !errors.Is(err, nodetls.ErrKeyMismatch) {
			t.Fatalf("confirmation from %s with a wrong pinned key: %v", n.Name, err)
		}
	}
}
