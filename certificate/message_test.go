package certificate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/walrusfs/walrusfs/blobid"
)

func TestMessageBytes(t *testing.T) {
	var id blobid.ID
	for i := range id {
		id[i] = byte(i + 1)
	}
	var obj [32]byte
	for i := range obj {
		obj[i] = byte(0xa0 + i)
	}
	idHex := hex.EncodeToString(id[:])
	for _, tc := range []struct {
		name      string
		epoch     uint32
		deletable *[32]byte
		want      string
	}{
		{"permanent", 0x01020304, nil, "010003" + "04030201" + idHex + "00"},
		{"deletable", 7, &obj, "010003" + "07000000" + idHex + "01" + hex.EncodeToString(obj[:])},
		{"max epoch", 0xffffffff, nil, "010003" + "ffffffff" + idHex + "00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Message(tc.epoch, id, tc.deletable)
			if hex.EncodeToString(got) != tc.want {
				t.Fatalf("Message = %x\nwant      %s", got, tc.want)
			}
			epoch, gotID, del, err := ParseMessage(got)
			if err != nil {
				t.Fatal(err)
			}
			if epoch != tc.epoch || gotID != id || (del == nil) != (tc.deletable == nil) || (del != nil && *del != *tc.deletable) {
				t.Fatalf("ParseMessage = %d %v %v", epoch, gotID, del)
			}
		})
	}
}

func TestParseMessageErrors(t *testing.T) {
	var id blobid.ID
	var obj [32]byte
	perm := Message(5, id, nil)
	del := Message(5, id, &obj)
	mod := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short", perm[:39]},
		{"wrong intent type", mod(perm, 0, 2)},
		{"wrong intent version", mod(perm, 1, 1)},
		{"wrong app id", mod(perm, 2, 0)},
		{"persistence type 2", mod(perm, 39, 2)},
		{"permanent with trailing byte", append(bytes.Clone(perm), 0)},
		{"deletable without object", mod(perm, 39, 1)},
		{"deletable short object", del[:71]},
		{"deletable trailing byte", append(bytes.Clone(del), 0)},
		{"permanent tag with object", mod(del, 39, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := ParseMessage(tc.b); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("err = %v, want ErrInvalidMessage", err)
			}
		})
	}
}
