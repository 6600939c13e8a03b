package tree

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"

	"github.com/walrusfs/walrusfs/seal"
)

// Text forms (see the package documentation, "Share and recovery
// strings").
const (
	sharePrefix    = "wfs1-"
	recoveryPrefix = "wfsr1-"
	stringVersion  = 1
	shareKindDir   = 0
	shareKindFile  = 1
	crcSize        = 4
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	b64        = base64.RawURLEncoding.Strict()
)

// Share is a read-only capability for one directory (and everything
// below it) or one file of one snapshot: where its node is and its key.
// Whoever holds it reads that subtree and nothing above or beside it.
//
// String returns the capability itself ("wfs1-..."): print it only on
// purpose. fmt's %#v (GoString) and log/slog (LogValue) print it with the
// key redacted.
type Share struct {
	Network string   // the Walrus network ("mainnet", "testnet", ...)
	File    bool     // Node is a file node (SealFileNode), not a directory node
	Node    Loc      // the shared node
	Key     seal.Key // its key (Kd for a directory); prints redacted
}

// Encode returns the share string, or an error (ErrInvalid) for a share
// that has no valid one (a bad network name, a zero key or location).
func (s Share) Encode() (string, error) {
	if err := checkNetwork(s.Network); err != nil {
		return "", fmt.Errorf("tree: share string: %w", err)
	}
	if err := s.Node.check(minSealed, MaxNodeSize); err != nil {
		return "", fmt.Errorf("tree: share string: node: %w", err)
	}
	if s.Key == (seal.Key{}) {
		return "", fmt.Errorf("tree: share string: zero key: %w", ErrInvalid)
	}
	var e encoder
	e.byte1(stringVersion)
	if s.File {
		e.byte1(shareKindFile)
	} else {
		e.byte1(shareKindDir)
	}
	e.str(s.Network)
	encodeLoc(&e, s.Node)
	e.key(s.Key)
	return sharePrefix + b64.EncodeToString(appendCRC(e.b)), nil
}

// String returns the share string (the capability itself), or
// "tree.Share(invalid)" for a share that has none (see Encode).
func (s Share) String() string {
	v, err := s.Encode()
	if err != nil {
		return "tree.Share(invalid)"
	}
	return v
}

// GoString prints the share with its key redacted.
func (s Share) GoString() string {
	return fmt.Sprintf("tree.Share{Network:%q, File:%t, Node:%s, Key:%v}", s.Network, s.File, s.Node, s.Key)
}

// LogValue logs the share without its key.
func (s Share) LogValue() slog.Value {
	return slog.GroupValue(slog.String("network", s.Network), slog.Bool("file", s.File),
		slog.String("node", s.Node.String()), slog.String("key", "redacted"))
}

// ParseShare parses a share string. Leading and trailing white space is
// ignored. Errors never quote the string (it is a secret) and say what is
// wrong: ErrSyntax (not a share string: wrong prefix, a recovery string,
// a character outside base64url, a bad length), ErrChecksum (a mistyped
// or damaged string) or ErrVersion (a share string of another version).
func ParseShare(str string) (Share, error) {
	d, err := decodeString(str, "share", sharePrefix, recoveryPrefix, "recovery")
	if err != nil {
		return Share{}, err
	}
	var s Share
	switch k := d.byte1(); k {
	case shareKindDir:
	case shareKindFile:
		s.File = true
	default:
		if d.err == nil {
			return Share{}, fmt.Errorf("tree: share string: kind %d is neither a directory nor a file: %w", k, ErrVersion)
		}
	}
	s.Network = d.str("network", MaxNetworkLen)
	s.Node = decodeLoc(d)
	copy(s.Key[:], d.raw(seal.KeySize))
	d.end()
	if d.err != nil {
		return Share{}, fmt.Errorf("tree: share string: %v: %w", d.err, ErrSyntax)
	}
	if err := checkNetwork(s.Network); err != nil {
		return Share{}, fmt.Errorf("tree: share string: %v: %w", err, ErrSyntax)
	}
	if err := s.Node.check(minSealed, MaxNodeSize); err != nil {
		return Share{}, fmt.Errorf("tree: share string: node: %v: %w", err, ErrSyntax)
	}
	if s.Key == (seal.Key{}) {
		return Share{}, fmt.Errorf("tree: share string: zero key: %w", ErrSyntax)
	}
	return s, nil
}

// Recovery is everything needed to reopen a volume on a new machine
// without a wallet: the volume, its network, its latest commit record and
// the volume master key M itself. A recovery string is as secret as the
// volume key: whoever holds it reads every snapshot of the volume.
//
// Recovery deliberately has no String method, so that fmt never prints the
// secret by accident: %v and %+v print the fields with Master redacted,
// %#v (GoString) and log/slog (LogValue) redact it too. Encode returns the
// string.
type Recovery struct {
	Volume  [16]byte
	Network string
	Commit  Loc      // the latest commit record (sealed under Keys.Commit)
	Master  seal.Key // the volume master key M; prints redacted
}

// Encode returns the recovery string "wfsr1-...", or ErrInvalid for a bad
// network name, a zero volume ID, location or key.
func (r Recovery) Encode() (string, error) {
	if err := checkNetwork(r.Network); err != nil {
		return "", fmt.Errorf("tree: recovery string: %w", err)
	}
	if r.Volume == ([16]byte{}) {
		return "", fmt.Errorf("tree: recovery string: zero volume ID: %w", ErrInvalid)
	}
	if err := r.Commit.check(minSealed, maxCommitSize); err != nil {
		return "", fmt.Errorf("tree: recovery string: commit: %w", err)
	}
	if r.Master == (seal.Key{}) {
		return "", fmt.Errorf("tree: recovery string: zero master key: %w", ErrInvalid)
	}
	var e encoder
	e.byte1(stringVersion)
	e.fixed16(r.Volume)
	e.str(r.Network)
	encodeLoc(&e, r.Commit)
	e.key(r.Master)
	return recoveryPrefix + b64.EncodeToString(appendCRC(e.b)), nil
}

// GoString prints the recovery record with the master key redacted.
func (r Recovery) GoString() string {
	return fmt.Sprintf("tree.Recovery{Volume:%x, Network:%q, Commit:%s, Master:%v}", r.Volume, r.Network, r.Commit, r.Master)
}

// LogValue logs the recovery record without the master key.
func (r Recovery) LogValue() slog.Value {
	return slog.GroupValue(slog.String("volume", fmt.Sprintf("%x", r.Volume)), slog.String("network", r.Network),
		slog.String("commit", r.Commit.String()), slog.String("master", "redacted"))
}

// ParseRecovery parses a recovery string; errors are as for ParseShare.
func ParseRecovery(str string) (Recovery, error) {
	d, err := decodeString(str, "recovery", recoveryPrefix, sharePrefix, "share")
	if err != nil {
		return Recovery{}, err
	}
	var r Recovery
	r.Volume = d.fixed16()
	r.Network = d.str("network", MaxNetworkLen)
	r.Commit = decodeLoc(d)
	copy(r.Master[:], d.raw(seal.KeySize))
	d.end()
	if d.err != nil {
		return Recovery{}, fmt.Errorf("tree: recovery string: %v: %w", d.err, ErrSyntax)
	}
	if err := checkNetwork(r.Network); err != nil {
		return Recovery{}, fmt.Errorf("tree: recovery string: %v: %w", err, ErrSyntax)
	}
	if r.Volume == ([16]byte{}) {
		return Recovery{}, fmt.Errorf("tree: recovery string: zero volume ID: %w", ErrSyntax)
	}
	if err := r.Commit.check(minSealed, maxCommitSize); err != nil {
		return Recovery{}, fmt.Errorf("tree: recovery string: commit: %v: %w", err, ErrSyntax)
	}
	if r.Master == (seal.Key{}) {
		return Recovery{}, fmt.Errorf("tree: recovery string: zero master key: %w", ErrSyntax)
	}
	return r, nil
}

// appendCRC appends the CRC-32C (Castagnoli) of b, big-endian.
func appendCRC(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeString checks the prefix of a share or recovery string, decodes
// its base64url payload, verifies the checksum and the version byte, and
// returns a decoder positioned after the version byte. what names the
// string ("share"); other/otherWhat is the prefix of the other kind, named
// in the error when it is given instead.
func decodeString(str, what, prefix, other, otherWhat string) (*decoder, error) {
	s := strings.TrimSpace(str)
	if strings.HasPrefix(s, other) {
		return nil, fmt.Errorf("tree: this is a %s string, not a %s string: %w", otherWhat, what, ErrSyntax)
	}
	if !strings.HasPrefix(s, prefix) {
		// "wfs<N>-" or "wfsr<N>-" with another version?
		stem := strings.TrimSuffix(prefix[:len(prefix)-1], "1") // "wfs" or "wfsr"
		if rest, ok := strings.CutPrefix(s, stem); ok {
			if i := strings.IndexByte(rest, '-'); i > 0 && isDigits(rest[:i]) {
				return nil, fmt.Errorf("tree: %s string of version %s (%s%s-): this walrusfs reads version 1 (%s): %w",
					what, rest[:i], stem, rest[:i], prefix, ErrVersion)
			}
		}
		return nil, fmt.Errorf("tree: not a %s string: it must start with %q: %w", what, prefix, ErrSyntax)
	}
	payload := s[len(prefix):]
	raw, err := b64.DecodeString(payload)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) && int(ce) < len(payload) && !isB64(payload[ce]) {
			pos := len(str) - len(strings.TrimLeft(str, " \t\r\n")) + len(prefix) + int(ce) + 1
			return nil, fmt.Errorf("tree: %s string: character %d is not base64url (A-Z a-z 0-9 - _): %w", what, pos, ErrSyntax)
		}
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("tree: %s string of %d characters has an impossible length or last character: truncated or damaged: %w",
				what, len(s), ErrSyntax)
		}
		return nil, fmt.Errorf("tree: %s string: %v: %w", what, err, ErrSyntax)
	}
	if len(raw) < 1+crcSize {
		return nil, fmt.Errorf("tree: %s string is too short (%d characters): %w", what, len(s), ErrSyntax)
	}
	body, sum := raw[:len(raw)-crcSize], binary.BigEndian.Uint32(raw[len(raw)-crcSize:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("tree: %s string checksum mismatch: mistyped or damaged: %w", what, ErrChecksum)
	}
	if body[0] != stringVersion {
		return nil, fmt.Errorf("tree: %s string: payload version %d, this walrusfs reads version 1: %w", what, body[0], ErrVersion)
	}
	return &decoder{b: body[1:]}, nil
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkNetwork validates a network name: 1 to MaxNetworkLen bytes of
// lowercase letters, digits, '-', '_' and '.'.
func checkNetwork(n string) error {
	if n == "" || len(n) > MaxNetworkLen {
		return fmt.Errorf("network name empty or longer than %d bytes: %w", MaxNetworkLen, ErrInvalid)
	}
	for i := range len(n) {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("network name %q: only a-z, 0-9, '-', '_' and '.' are allowed: %w", clip(n), ErrInvalid)
		}
	}
	return nil
}
