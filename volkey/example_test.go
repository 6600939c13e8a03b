package volkey_test

import (
	"fmt"
	"log"
	"os"

	"github.com/walrusfs/walrusfs/volkey"
)

// A volume set up with a key file (no questions asked) and unlocked
// again; the recovery code is shown once.
func Example() {
	dataDir, err := os.MkdirTemp("", "walrusfs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dataDir)

	k, code, err := volkey.Create(dataDir, volkey.Options{KeyFile: true})
	if err != nil {
		log.Fatal(err)
	}
	_ = code // print it once for the user to write down

	again, err := volkey.Unlock(dataDir, volkey.KeyFile())
	if err != nil {
		log.Fatal(err)
	}
	methods, _ := volkey.Methods(dataDir)
	fmt.Println(again == k, methods, k)
	// Output: true [recovery keyfile] volkey.Key(redacted)
}
