package suitx

import (
	"testing"

	"github.com/walrusfs/walrusfs/sui"
)

// FuzzAddresses: whatever text arrives as an address, object ID or digest,
// a builder returns an error or a TransactionData that decodes; it never
// panics (sui-go-sdk panics on addresses it cannot parse).
func FuzzAddresses(f *testing.F) {
	f.Add("0xa11ce", "0x98da", "0x1001", "11111111111111111111111111111111", uint64(1))
	f.Add("0x", "text/plain", "cafe", "", uint64(0))
	f.Add("0X1", "0x"+string(make([]byte, 64)), "0x-1", "0OIl", uint64(1<<63))
	f.Fuzz(func(t *testing.T, sender, pkg, id, digest string, version uint64) {
		w := Walrus{Package: pkg, System: sui.SharedObject{ID: id, InitialVersion: version}}
		ref := sui.ObjectRef{ID: id, Version: version, Digest: digest}
		gas := Gas{Owner: sender, Payment: []sui.ObjectRef{ref}, Price: 1, Budget: 1}
		for _, build := range []func() ([]byte, error){
			func() ([]byte, error) { return w.Burn(sender, gas, []sui.ObjectRef{testRef(1)}) },
			func() ([]byte, error) { return w.Delete(sender, Gas{Price: 1, Budget: 1}, []sui.ObjectRef{ref}, pkg) },
			func() ([]byte, error) { return Transfer(sender, Gas{Price: 1, Budget: 1}, []sui.ObjectRef{ref}, id) },
		} {
			b, err := build()
			if err != nil {
				continue
			}
			if _, err := decodeTx(b); err != nil {
				t.Fatalf("built bytes do not decode: %v", err)
			}
		}
	})
}
