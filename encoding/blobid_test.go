package encoding

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBlobID(t *testing.T) {
	const s = "kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I"
	id, err := ParseBlobID(s)
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
	back, err := ParseBlobIDDecimal(dec)
	if err != nil || back != id {
		t.Fatalf("decimal round trip: %v", err)
	}
	for _, bad := range []string{
		"", "x", s[:42], s + "A", strings.Repeat("=", 43), "kIrHJ/1VfYJD+OV0O1JicM2lB5swr83ZkfvTD7BWV0I",
		"kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0J", // non-canonical trailing bits
		strings.Repeat("é", 22), strings.Repeat("A", 100000),
	} {
		if _, err := ParseBlobID(bad); !errors.Is(err, ErrInvalidBlobID) {
			t.Errorf("ParseBlobID(%.50q) = %v, want ErrInvalidBlobID", bad, err)
		}
	}
	for _, bad := range []string{"", "-1", "abc", "1" + strings.Repeat("0", 80)} {
		if _, err := ParseBlobIDDecimal(bad); !errors.Is(err, ErrInvalidBlobID) {
			t.Errorf("ParseBlobIDDecimal(%q) = %v", bad, err)
		}
	}
	var u BlobID
	if err := u.UnmarshalText([]byte(s)); err != nil || u != id {
		t.Fatal("UnmarshalText")
	}
}

func TestShardRotation(t *testing.T) {
	for _, v := range []struct {
		data   []byte
		n, off int
	}{
		{[]byte("hello walrus"), 10, 7},
		{[]byte("hello walrus"), 1000, 898},
		{pattern(1 << 20), 1000, 558},
	} {
		if (testing.Short() || raceEnabled) && len(v.data) > 100 && v.n == 1000 {
			continue
		}
		e, _ := NewEncoder(v.n)
		m, err := e.ComputeMetadata(v.data)
		if err != nil {
			t.Fatal(err)
		}
		id := m.BlobID()
		if got := id.ShardOffset(v.n); got != v.off {
			t.Errorf("n=%d: offset %d, want %d", v.n, got, v.off)
		}
		for pair := range v.n {
			shard := id.PairShard(pair, v.n)
			if shard != (pair+v.off)%v.n || id.ShardPair(shard, v.n) != pair {
				t.Fatalf("pair %d <-> shard %d", pair, shard)
			}
		}
	}
}

func FuzzParseBlobID(f *testing.F) {
	f.Add("kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseBlobID(s)
		if err == nil && id.String() != s {
			t.Fatalf("accepted %q but prints %q", s, id)
		}
	})
}
