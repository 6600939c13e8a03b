package blobid

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const s = "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I"
	id, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if id.String() != s || id.Hex() != "908ac727fd557d8243f8e5743b526270cda5079b30afcdd991fbd30fb0565742" {
		t.Fatalf("round trip: %s %s", id, id.Hex())
	}
	// Sui's u256 (little-endian) decimal form, measured with the TS SDK.
	const dec = "30006961997934627473707901925650318573932174743741889533894759733632690522768"
	if id.Decimal() != dec {
		t.Fatalf("decimal %s", id.Decimal())
	}
	back, err := ParseDecimal(dec)
	if err != nil || back != id {
		t.Fatalf("decimal round trip: %v", err)
	}
	for _, bad := range []string{
		"", "x", s[:42], s + "A", strings.Repeat("=", 43), strings.Repeat("+", 43), s[:42] + "=",
		"kIrHJ/1VfYJD+OV0O1JicM2lB5swr83ZkfvTD7BWV0I",
		"kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0J", // non-canonical trailing bits
		strings.Repeat("é", 22), strings.Repeat("A", 100000),
	} {
		if _, err := Parse(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%.50q) = %v, want ErrInvalid", bad, err)
		}
	}
	for _, bad := range []string{"", "-1", "abc", "1" + strings.Repeat("0", 80)} {
		if _, err := ParseDecimal(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDecimal(%q) = %v", bad, err)
		}
	}
	var u ID
	if err := u.UnmarshalText([]byte(s)); err != nil || u != id {
		t.Fatal("UnmarshalText")
	}
	if err := u.UnmarshalText([]byte("not-an-id")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("UnmarshalText of a malformed ID: %v", err)
	}
	if id.IsZero() || !(ID{}).IsZero() {
		t.Fatal("IsZero")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err == nil && id.String() != s {
			t.Fatalf("accepted %q but prints %q", s, id)
		}
	})
}
