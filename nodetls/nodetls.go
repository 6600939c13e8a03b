// Package nodetls is the TLS of Walrus storage nodes: the self-signed
// certificate a node serves, the on-chain encoding of its network key,
// and the client configuration that authenticates a node by that key.
//
// Walrus facts (MystenLabs/walrus):
//
//   - The network key is NIST P-256 (walrus-core keys.rs: NetworkKeyPair =
//     TaggedKeyPair<Secp256r1KeyPair>). On chain, StorageNodeInfo's
//     network_public_key is its compressed SEC1 encoding, 33 bytes
//     (contracts/walrus/sources/staking/storage_node.move asserts length
//     33; walrus-sui transaction_builder.rs passes
//     NetworkPublicKey::as_bytes, fastcrypto's compressed point).
//   - A node without a configured certificate serves a self-signed one
//     for its network key (walrus-service node/server.rs
//     create_self_signed_certificate, rcgen): common name and first
//     subject alternative name ServerName(key) =
//     "<first 4 key bytes as unpadded hex>.network.walrus.alt", then the
//     node's public host name; rcgen's default validity
//     1975-01-01..4096-01-01.
//   - The Rust client (walrus-storage-node-client tls.rs,
//     TlsCertificateVerifier) pins the on-chain key when it knows it: the
//     server's end-entity certificate must carry exactly that key; it is
//     then accepted if it chains to the Web PKI roots or to the pinned key
//     itself, and even when it has expired. A certificate with any other
//     key is refused when a key is pinned, however valid its chain.
//     Without a pinned key, ordinary Web PKI verification applies.
//
// ClientConfig follows that rule. Go's TLS client checks the server's
// handshake signature with the certificate's key in every case, so a
// certificate carrying the pinned key proves the server holds the
// node's private network key; chain, name and dates add nothing to that
// and are not checked for it.
package nodetls

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"
)

// NetworkPublicKeyLen is the length of an on-chain network public key.
const NetworkPublicKeyLen = 33

// NetworkPublicKey returns the on-chain encoding of a node's P-256
// network key: the compressed SEC1 point (0x02 or 0x03 by the parity of
// y, then x), 33 bytes. It returns nil for a key that is not a valid
// P-256 key.
func NetworkPublicKey(pub *ecdsa.PublicKey) []byte {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil
	}
	u, err := pub.Bytes() // 0x04 || x || y
	if err != nil || len(u) != 65 {
		return nil
	}
	out := make([]byte, NetworkPublicKeyLen)
	out[0] = 0x02 | u[64]&1
	copy(out[1:], u[1:33])
	return out
}

// checkNetworkPublicKey checks the form of an on-chain network key.
func checkNetworkPublicKey(k []byte) error {
	if len(k) != NetworkPublicKeyLen || (k[0] != 0x02 && k[0] != 0x03) {
		return fmt.Errorf("nodetls: network public key of %d bytes is not a compressed P-256 point (want %d bytes starting 02 or 03)", len(k), NetworkPublicKeyLen)
	}
	return nil
}

// ServerName is the name Walrus derives from a network key
// (walrus-storage-node-client server_name_from_public_key): each of the
// first 4 bytes of the on-chain key as lower-case hex without zero
// padding, then ".network.walrus.alt".
func ServerName(networkPublicKey []byte) string {
	var b strings.Builder
	for _, x := range networkPublicKey[:min(4, len(networkPublicKey))] {
		fmt.Fprintf(&b, "%x", x)
	}
	b.WriteString(".network.walrus.alt")
	return b.String()
}

// Validity of the self-signed certificate: rcgen's defaults, which
// Walrus nodes serve.
var (
	notBefore = time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(4096, 1, 1, 0, 0, 0, 0, time.UTC)
)

// SelfSigned makes the certificate a Walrus node serves for its network
// key (a P-256 ecdsa key): self-signed, common name ServerName of the
// key, subject alternative names ServerName and hosts (DNS names or IP
// addresses), valid 1975-01-01 to 4096-01-01.
func SelfSigned(key crypto.Signer, hosts []string) (tls.Certificate, error) {
	if key == nil {
		return tls.Certificate{}, errors.New("nodetls: no key")
	}
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return tls.Certificate{}, fmt.Errorf("nodetls: network key is %T, want a P-256 ecdsa key", key.Public())
	}
	nk := NetworkPublicKey(pub)
	if nk == nil {
		return tls.Certificate{}, errors.New("nodetls: invalid P-256 public key")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("nodetls: serial number: %w", err)
	}
	name := ServerName(nk)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{name},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		} else {
			return tls.Certificate{}, errors.New("nodetls: empty host name")
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("nodetls: creating certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("nodetls: parsing certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// ErrKeyMismatch is returned (wrapped) by the handshake of a ClientConfig
// with a pinned key when the server's certificate carries another key.
var ErrKeyMismatch = errors.New("server certificate does not carry the pinned network public key")

// ClientConfig returns the TLS configuration for talking to one storage
// node. With networkPublicKey (the node's on-chain key, 33 bytes) the
// server's certificate must carry exactly that key, and is then accepted
// whatever its issuer, names or dates (self-signed, expired); any other
// certificate is refused (ErrKeyMismatch), even one valid in the Web PKI,
// as the Walrus client does. With an empty networkPublicKey the server
// is verified against roots (nil: the system roots) as usual. A malformed
// networkPublicKey makes every handshake fail with a clear error.
func ClientConfig(networkPublicKey []byte, roots *x509.CertPool) *tls.Config {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if len(networkPublicKey) == 0 {
		return cfg
	}
	pinned := bytes.Clone(networkPublicKey)
	keyErr := checkNetworkPublicKey(pinned)
	// Chain and name checks are replaced by the key check below; Go
	// still verifies the handshake signature with the certificate's key.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if keyErr != nil {
			return keyErr
		}
		if len(cs.PeerCertificates) == 0 {
			return errors.New("nodetls: server sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("nodetls: %w: it has a %T key, pinned a P-256 key %x", ErrKeyMismatch, leaf.PublicKey, pinned)
		}
		if got := NetworkPublicKey(pub); !bytes.Equal(got, pinned) {
			return fmt.Errorf("nodetls: %w: it has %x, pinned %x", ErrKeyMismatch, got, pinned)
		}
		return nil
	}
	return cfg
}

// Transport returns an HTTP transport for a committee: a connection to
// an address (host:port, as in the node's URL) found in keys is
// authenticated by ClientConfig with that node's network public key;
// any other address gets ClientConfig(nil, roots), the Web PKI. Proxies
// are not used.
func Transport(keys map[string][]byte, roots *x509.CertPool) *http.Transport {
	pins := make(map[string][]byte, len(keys))
	for addr, k := range keys {
		pins[addr] = bytes.Clone(k)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.ForceAttemptHTTP2 = false // DialTLSContext below speaks HTTP/1.1
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("nodetls: address %q: %w", addr, err)
		}
		cfg := ClientConfig(pins[addr], roots)
		cfg.ServerName = host
		d := &tls.Dialer{Config: cfg}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("nodetls: %s: %w", addr, err)
		}
		return c, nil
	}
	return tr
}
