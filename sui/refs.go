package sui

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ObjectRef names one version of an owned object, as transactions take it:
// object ID (0x + 64 hex), version, and digest in base58.
type ObjectRef struct {
	ID      string
	Version uint64
	Digest  string
}

// SharedObject names a shared object as transactions take it: its ID and
// the version at which it became shared.
type SharedObject struct {
	ID             string
	InitialVersion uint64
}

// NormalizeAddress returns a Sui address or object ID as 0x followed by
// 64 lower-case hex digits. Shorter hex is left-padded with zeros, as Sui
// does ("0x2" is 0x000...002). Anything else is an error.
func NormalizeAddress(s string) (string, error) {
	h, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	if !ok || h == "" || len(h) > 64 {
		return "", fmt.Errorf("sui: address %q: want 0x and up to 64 hex digits", s)
	}
	h = strings.Repeat("0", 64-len(h)) + h
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("sui: address %q: want 0x and up to 64 hex digits", s)
	}
	return "0x" + h, nil
}
