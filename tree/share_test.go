package tree

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func sampleShare(file bool) Share {
	return Share{Network: "testnet", File: file, Node: Loc{Blob: testBlob(5), Off: 123_456_789, Len: 65_000}, Key: testKey(6)}
}

func sampleRecovery() Recovery {
	return Recovery{Volume: [16]byte{1, 2, 3, 15: 0xff}, Network: "mainnet",
		Commit: Loc{Blob: testBlob(6), Off: 987_654_321, Len: 300}, Master: testKey(7)}
}

func TestShareRoundTrip(t *testing.T) {
	for _, s := range []Share{sampleShare(false), sampleShare(true),
		{Network: strings.Repeat("n", MaxNetworkLen), Node: Loc{Blob: testBlob(1), Off: maxOffset - MaxNodeSize, Len: MaxNodeSize}, Key: testKey(1)}} {
		str, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if str != s.String() || !strings.HasPrefix(str, "wfs1-") {
			t.Fatalf("String %q, Encode %q", s.String(), str)
		}
		if len(str) > 150 {
			t.Errorf("share string of %d characters (want at most 150)", len(str))
		}
		t.Logf("share string: %d characters", len(str))
		got, err := ParseShare("  " + str + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("share round trip: got %#v want %#v", got, s)
		}
	}
}

func TestRecoveryRoundTrip(t *testing.T) {
	r := sampleRecovery()
	str, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(str, "wfsr1-") || len(str) > 160 {
		t.Fatalf("recovery string %d characters, prefix %q", len(str), str[:6])
	}
	t.Logf("recovery string: %d characters", len(str))
	got, err := ParseRecovery(str)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("recovery round trip: got %#v want %#v", got, r)
	}
	// Recovery has no String: %v prints the fields, the master redacted.
	if v := fmt.Sprint(r); strings.Contains(v, str[6:20]) || !strings.Contains(v, "redacted") {
		t.Fatalf("fmt of a Recovery: %s", v)
	}
	everySingleChange(t, str, func(s string) error { _, err := ParseRecovery(s); return err })
}

func TestShareEverySingleChange(t *testing.T) {
	for _, file := range []bool{false, true} {
		str := sampleShare(file).String()
		everySingleChange(t, str, func(s string) error { _, err := ParseShare(s); return err })
	}
}

// everySingleChange replaces each character of str by every other
// printable ASCII character and checks that parse rejects the result, with
// a checksum error whenever the change stays within the base64url
// alphabet of the payload.
func everySingleChange(t *testing.T, str string, parse func(string) error) {
	t.Helper()
	prefixLen := strings.IndexByte(str, '-') + 1
	tried := 0
	for i := range len(str) {
		for c := byte(0x21); c < 0x7f; c++ {
			if c == str[i] {
				continue
			}
			bad := str[:i] + string(c) + str[i+1:]
			err := parse(bad)
			tried++
			if err == nil {
				t.Fatalf("character %d changed from %q to %q: accepted", i, str[i], c)
			}
			if strings.Contains(err.Error(), str[prefixLen:prefixLen+20]) {
				t.Fatalf("error quotes the string: %v", err)
			}
			isB64 := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			switch {
			case i < prefixLen:
				if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrVersion) {
					t.Fatalf("prefix character %d changed to %q: %v", i, c, err)
				}
			case isB64 && i < len(str)-1:
				if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "checksum mismatch: mistyped or damaged") {
					t.Fatalf("character %d changed to %q: %v, want a checksum mismatch", i, c, err)
				}
			default: // outside the alphabet, or the last character's unused bits
				if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrChecksum) {
					t.Fatalf("character %d changed to %q: %v", i, c, err)
				}
			}
		}
	}
	t.Logf("%d single-character changes rejected", tried)
}

func TestParseShareErrors(t *testing.T) {
	good := sampleShare(false).String()
	rec, _ := sampleRecovery().Encode()
	payload := good[len("wfs1-"):]
	for _, tc := range []struct {
		name, in string
		want     error
		msg      string
	}{
		{"empty", "", ErrSyntax, `must start with "wfs1-"`},
		{"other text", "hello", ErrSyntax, `not a share string`},
		{"version 2", "wfs2-" + payload, ErrVersion, "version 2 (wfs2-): this walrusfs reads version 1"},
		{"version 10", "wfs10-" + payload, ErrVersion, "version 10"},
		{"upper case prefix", "WFS1-" + payload, ErrSyntax, "must start with"},
		{"recovery string", rec, ErrSyntax, "this is a recovery string, not a share string"},
		{"truncated", good[:len(good)-4], nil, "damaged"},
		{"one character short", good[:len(good)-1], nil, "damaged"},
		{"two characters short", good[:len(good)-2], nil, "damaged"},
		{"three characters short", good[:len(good)-3], nil, "damaged"},
		{"extra characters", good + "AAAA", ErrChecksum, "checksum mismatch"},
		{"bad character", good[:20] + "!" + good[21:], ErrSyntax, "character 21 is not base64url"},
		{"only prefix", "wfs1-", ErrSyntax, "too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseShare(tc.in)
			if tc.want == nil { // a length change: either error will do
				if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("got %v, want a syntax or checksum error with %q", err, tc.msg)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v with %q", err, tc.want, tc.msg)
			}
		})
	}
	if _, err := ParseRecovery(good); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "this is a share string, not a recovery string") {
		t.Fatalf("share string as recovery: %v", err)
	}
	if _, err := ParseRecovery("wfsr7-" + payload); !errors.Is(err, ErrVersion) {
		t.Fatalf("recovery version 7: %v", err)
	}
}

// TestStringPayloadChecks: a payload with a valid checksum but a bad
// version, kind, network, location or key is still rejected.
func TestStringPayloadChecks(t *testing.T) {
	mk := func(prefix string, f func(e *encoder)) string {
		var e encoder
		f(&e)
		return prefix + b64.EncodeToString(appendCRC(e.b))
	}
	share := func(ver, kind byte, net string, loc Loc, key [32]byte) string {
		return mk("wfs1-", func(e *encoder) { e.byte1(ver); e.byte1(kind); e.str(net); encodeLoc(e, loc); e.key(key) })
	}
	loc := Loc{Blob: testBlob(1), Len: 100}
	for _, tc := range []struct {
		name, in string
		want     error
		msg      string
	}{
		{"version 2 payload", share(2, 0, "testnet", loc, testKey(1)), ErrVersion, "payload version 2"},
		{"kind 2", share(1, 2, "testnet", loc, testKey(1)), ErrVersion, "kind 2"},
		{"empty network", share(1, 0, "", loc, testKey(1)), ErrSyntax, "network name empty"},
		{"bad network", share(1, 0, "Test Net", loc, testKey(1)), ErrSyntax, "only a-z"},
		{"zero blob", share(1, 0, "testnet", Loc{Len: 100}, testKey(1)), ErrSyntax, "zero blob ID"},
		{"short node", share(1, 0, "testnet", Loc{Blob: testBlob(1), Len: 10}, testKey(1)), ErrSyntax, "length outside"},
		{"zero key", share(1, 0, "testnet", loc, [32]byte{}), ErrSyntax, "zero key"},
		{"trailing", mk("wfs1-", func(e *encoder) {
			e.byte1(1)
			e.byte1(0)
			e.str("testnet")
			encodeLoc(e, loc)
			e.key(testKey(1))
			e.byte1(0)
		}), ErrSyntax, "trailing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseShare(tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v with %q", err, tc.want, tc.msg)
			}
		})
	}
	// Encode refuses what Parse would reject.
	for _, s := range []Share{{Network: "x", Node: loc}, {Network: "", Node: loc, Key: testKey(1)}, {Network: "x", Key: testKey(1)}} {
		if _, err := s.Encode(); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Encode(%#v): %v", s, err)
		}
		if s.String() != "tree.Share(invalid)" {
			t.Fatalf("String of an invalid share: %q", s.String())
		}
	}
	for _, r := range []Recovery{{Network: "x", Commit: loc, Master: testKey(1)}, {Volume: [16]byte{1}, Network: "x", Commit: loc}} {
		if _, err := r.Encode(); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Encode(%#v): %v", r, err)
		}
	}
}
