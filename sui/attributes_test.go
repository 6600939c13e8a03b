package sui

import (
	"encoding/hex"
	"maps"
	"strings"
	"testing"
)

// fieldBCS is Field<vector<u8>, Metadata> { id, name, value } with the
// given raw name and entries (raw BCS after the count).
func fieldBCS(name []byte, count byte, entries ...string) []byte {
	b := append(make([]byte, 32), name...)
	b = append(b, count)
	for _, e := range entries {
		b = append(b, byte(len(e)))
		b = append(b, e...)
	}
	return b
}

const metaType = "0x0000000000000000000000000000000000000000000000000000000000000002::dynamic_field::Field<vector<u8>, 0xfdc88f7d7cf30afab2f82e8380d11ee8f70efb90e863d1de8616fae1bb09ea77::metadata::Metadata>"

func TestParseMetadataField(t *testing.T) {
	good := fieldBCS(metadataFieldName, 2, "wfs.seq", "7", "k", "")
	m, err := parseMetadataField(metaType, good)
	if want := map[string]string{"wfs.seq": "7", "k": ""}; err != nil || !maps.Equal(m, want) {
		t.Fatalf("good field: %v %v, want %v", m, err, want)
	}
	if m, err := parseMetadataField("0x2::dynamic_field::Field<vector<u8>, 0xab::metadata::Metadata>", fieldBCS(metadataFieldName, 0)); err != nil || m == nil || len(m) != 0 {
		t.Fatalf("empty map: %v %v", m, err)
	}
	for _, tc := range []struct {
		name, typ string
		b         []byte
		want      string
	}{
		{"other type", "0x2::coin::Coin<0x2::sui::SUI>", good, "not a Blob's metadata field"},
		{"other field value", "0x2::dynamic_field::Field<vector<u8>, 0xab::other::Metadata2>", good, "not a Blob's metadata field"},
		{"no contents", metaType, nil, "no BCS contents"},
		{"other name", metaType, fieldBCS(append([]byte{8}, "metadatx"...), 0), `is not b"metadata"`},
		{"short", metaType, good[:len(good)-1], "ends early"},
		{"length past the end", metaType, append(fieldBCS(metadataFieldName, 1), 0xff, 0xff, 0xff, 0x7f), "ends early"},
		{"trailing", metaType, append(good, 0), "1 trailing bytes"},
		{"not UTF-8", metaType, fieldBCS(metadataFieldName, 1, "k\xff", "v"), "entry 0 is not UTF-8"},
		{"key twice", metaType, fieldBCS(metadataFieldName, 2, "k", "1", "k", "2"), `key "k" twice`},
	} {
		if _, err := parseMetadataField(tc.typ, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestNotFound(t *testing.T) {
	for msg, want := range map[string]bool{"": true, "NotFound: object 0x1 not found": true, "Internal: boom": false, "object data is nil": false} {
		if notFound(msg) != want {
			t.Errorf("notFound(%q) = %v", msg, !want)
		}
	}
}

// tsMetadataPrefix + 200 × "x" is @mysten/walrus 1.2.13's
// Metadata.serialize({metadata: {contents: [{wfs.seq: 7}, {é😀: ""},
// {long: "x"×200}]}}).
const tsMetadataPrefix = "03077766732e736571013706c3a9f09f988000046c6f6e67c801"

func TestParseMetadataFieldTSVector(t *testing.T) {
	value, err := hex.DecodeString(tsMetadataPrefix + strings.Repeat("78", 200))
	if err != nil {
		t.Fatal(err)
	}
	b := append(append(make([]byte, 32), metadataFieldName...), value...)
	m, err := parseMetadataField(metaType, b)
	want := map[string]string{"wfs.seq": "7", "é😀": "", "long": strings.Repeat("x", 200)}
	if err != nil || !maps.Equal(m, want) {
		t.Fatalf("%v %v, want %v", m, err, want)
	}
}
