package wallet_test

import (
	"encoding/base64"
	"fmt"

	"github.com/walrusfs/walrusfs/wallet"
)

// A key from its suiprivkey string (here the secp256k1 key with secret 1)
// signs an (empty) transaction exactly as @mysten/sui does.
func ExampleKey_SignTransaction() {
	k, err := wallet.ParseKey("suiprivkey1qyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqza433v6")
	if err != nil {
		fmt.Println(err)
		return
	}
	sig := k.SignTransaction(nil)
	fmt.Println(k)
	fmt.Println(base64.StdEncoding.EncodeToString(sig))
	addr, err := wallet.VerifyTransaction(nil, sig)
	fmt.Println(addr == k.Address(), err)
	// Output:
	// secp256k1 0xd4c3524e6642b2e54945c02378024f822ac3f80b0870a5f95f06e68a61890a6c
	// AewCGrasPDb7dYvkxZAUXdDHxOx4omznJ3w0X3fOxpJbbQDlR27SQZlEoCnMD3fdNIl609Oyab6wKPL8mhp5uCICeb5mfvncu6xVoGKVzocLBwKb/NstzijZWfKBWxb4F5g=
	// true <nil>
}
