package nodetls

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestNetworkPublicKeyVector: the private scalar 1 has the generator G as
// public key, whose compressed SEC1 encoding is fixed (SEC 2 §2.4.2).
func TestNetworkPublicKeyVector(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), one)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := hex.DecodeString("036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
	got := NetworkPublicKey(&k.PublicKey)
	if !bytes.Equal(got, want) {
		t.Fatalf("NetworkPublicKey(G) = %x, want %x", got, want)
	}
	// Walrus formats each byte with {:x}: 0x03 is "3", not "03".
	if name := ServerName(got); name != "36b17d1.network.walrus.alt" {
		t.Fatalf("ServerName = %q", name)
	}
}

// TestNetworkPublicKeyRandom checks random keys against decompression.
func TestNetworkPublicKeyRandom(t *testing.T) {
	for range 50 {
		k := newKey(t)
		c := NetworkPublicKey(&k.PublicKey)
		if len(c) != 33 || (c[0] != 2 && c[0] != 3) {
			t.Fatalf("bad encoding %x", c)
		}
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), c)
		if x == nil {
			t.Fatalf("%x does not decompress", c)
		}
		u, _ := k.PublicKey.Bytes()
		if !bytes.Equal(x.FillBytes(make([]byte, 32)), u[1:33]) || !bytes.Equal(y.FillBytes(make([]byte, 32)), u[33:]) {
			t.Fatalf("%x decompresses to another point", c)
		}
	}
	if NetworkPublicKey(nil) != nil {
		t.Fatal("nil key encoded")
	}
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if NetworkPublicKey(&k384.PublicKey) != nil {
		t.Fatal("P-384 key encoded")
	}
}

func TestSelfSignedContents(t *testing.T) {
	k := newKey(t)
	c, err := SelfSigned(k, []string{"127.0.0.1", "node.example"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	name := ServerName(NetworkPublicKey(&k.PublicKey))
	if leaf.Subject.CommonName != name || len(leaf.DNSNames) != 2 || leaf.DNSNames[0] != name || leaf.DNSNames[1] != "node.example" {
		t.Fatalf("names: CN %q, DNS %v", leaf.Subject.CommonName, leaf.DNSNames)
	}
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Fatalf("IPs: %v", leaf.IPAddresses)
	}
	if leaf.NotBefore.Year() != 1975 || leaf.NotAfter.Year() != 4096 {
		t.Fatalf("validity %v - %v", leaf.NotBefore, leaf.NotAfter)
	}
	if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
		t.Fatalf("not self-signed: %v", err)
	}
	if !k.PublicKey.Equal(leaf.PublicKey) {
		t.Fatal("certificate carries another key")
	}
}

func TestSelfSignedBadKeys(t *testing.T) {
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"P-384": k384, "ed25519": ed, "nil": nil} {
		if _, err := SelfSigned(key, nil); err == nil || !strings.Contains(err.Error(), "nodetls") {
			t.Errorf("%s key: err %v", name, err)
		}
	}
	if _, err := SelfSigned(newKey(t), []string{""}); err == nil {
		t.Error("empty host accepted")
	}
}

// certOpts describe a test certificate.
type certOpts struct {
	key      *ecdsa.PrivateKey
	expired  bool
	parent   *x509.Certificate // nil: self-signed
	parentSK *ecdsa.PrivateKey
	isCA     bool
	name     string
}

func makeCert(t *testing.T, o certOpts) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: o.name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if o.expired {
		tmpl.NotBefore = time.Now().Add(-48 * time.Hour)
		tmpl.NotAfter = time.Now().Add(-24 * time.Hour)
	}
	if o.isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.IPAddresses = nil
	}
	parent, psk := tmpl, o.key
	if o.parent != nil {
		parent, psk = o.parent, o.parentSK
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &o.key.PublicKey, psk)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: o.key, Leaf: leaf}, leaf
}

// serve runs an HTTPS server on 127.0.0.1 with cert.
func serve(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(url string, cfg *tls.Config) error {
	tr := &http.Transport{TLSClientConfig: cfg, Proxy: nil}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hello" {
		return errors.New("wrong body")
	}
	return nil
}

// TestClientConfig connects to TLS servers with every kind of
// certificate, with and without a pinned key.
func TestClientConfig(t *testing.T) {
	nodeKey, otherKey, caKey := newKey(t), newKey(t), newKey(t)
	pin := NetworkPublicKey(&nodeKey.PublicKey)

	selfSigned, err := SelfSigned(nodeKey, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := makeCert(t, certOpts{key: nodeKey, expired: true, name: "anything"})
	otherSelf, _ := SelfSigned(otherKey, []string{"127.0.0.1"})
	_, caCert := makeCert(t, certOpts{key: caKey, isCA: true, name: "test CA"})
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	caSignedNode, _ := makeCert(t, certOpts{key: nodeKey, parent: caCert, parentSK: caKey, name: "node"})
	caSignedOther, _ := makeCert(t, certOpts{key: otherKey, parent: caCert, parentSK: caKey, name: "other"})
	caSignedExpired, _ := makeCert(t, certOpts{key: otherKey, parent: caCert, parentSK: caKey, expired: true, name: "old"})

	cases := []struct {
		name   string
		cert   tls.Certificate
		pin    []byte
		roots  *x509.CertPool
		ok     bool
		errHas string
	}{
		{"self-signed, pinned key", selfSigned, pin, nil, true, ""},
		{"expired self-signed, pinned key", expired, pin, nil, true, ""},
		{"self-signed other key, pinned", otherSelf, pin, nil, false, "pinned network public key"},
		{"self-signed other key, pinned, with roots", otherSelf, pin, roots, false, "pinned network public key"},
		{"Web PKI chain, pinned key matches", caSignedNode, pin, roots, true, ""},
		{"chain to an unknown CA, pinned key matches", caSignedNode, pin, nil, true, ""},
		{"Web PKI chain, other key than pinned", caSignedOther, pin, roots, false, "pinned network public key"},
		{"Web PKI chain, no pin", caSignedOther, nil, roots, true, ""},
		{"expired Web PKI chain, no pin", caSignedExpired, nil, roots, false, "expired"},
		{"self-signed, no pin", selfSigned, nil, roots, false, "unknown authority"},
		{"malformed pin (32 bytes)", selfSigned, pin[1:], nil, false, "not a compressed P-256 point"},
		{"malformed pin (bad prefix)", selfSigned, append([]byte{4}, pin[1:]...), nil, false, "not a compressed P-256 point"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := serve(t, c.cert)
			err := get(url, ClientConfig(c.pin, c.roots))
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				if !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("error %q does not mention %q", err, c.errHas)
				}
			}
		})
	}
}

// TestClientConfigNeedsPrivateKey: a server that shows the pinned
// certificate but does not hold its key fails the handshake.
func TestClientConfigNeedsPrivateKey(t *testing.T) {
	nodeKey, otherKey := newKey(t), newKey(t)
	cert, err := SelfSigned(nodeKey, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cert.PrivateKey = otherKey // signs the handshake with the wrong key
	url := serve(t, cert)
	if err := get(url, ClientConfig(NetworkPublicKey(&nodeKey.PublicKey), nil)); err == nil {
		t.Fatal("a server without the pinned private key was accepted")
	}
}

// TestTransport pins a different key per node address.
func TestTransport(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	c1, _ := SelfSigned(k1, []string{"127.0.0.1"})
	c2, _ := SelfSigned(k2, []string{"127.0.0.1"})
	u1, u2 := serve(t, c1), serve(t, c2)
	addr := func(u string) string { return strings.TrimPrefix(u, "https://") }
	n1, n2 := NetworkPublicKey(&k1.PublicKey), NetworkPublicKey(&k2.PublicKey)
	getWith := func(tr *http.Transport, url string) error {
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	right := map[string][]byte{addr(u1): n1, addr(u2): n2}
	for _, u := range []string{u1, u2} {
		if err := getWith(Transport(right, nil), u); err != nil {
			t.Fatalf("%s with its pinned key: %v", u, err)
		}
	}
	swapped := map[string][]byte{addr(u1): n2, addr(u2): n1}
	for _, u := range []string{u1, u2} {
		if err := getWith(Transport(swapped, nil), u); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("%s with another node's key: %v", u, err)
		}
	}
	// Not pinned: the Web PKI, which a self-signed node certificate fails.
	if err := getWith(Transport(map[string][]byte{addr(u1): n1}, nil), u2); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("unpinned self-signed node: %v", err)
	}
}
