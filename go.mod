module github.com/walrusfs/walrusfs

go 1.26.8

require (
	filippo.io/age v1.3.2
	github.com/block-vision/sui-go-sdk v1.2.1
	github.com/cloudflare/circl v1.6.5
	github.com/decred/dcrd/bech32 v1.1.4
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/hanwen/go-fuse/v2 v2.12.1
	github.com/klauspost/reedsolomon v1.14.2
	github.com/moby/sys/mountinfo v0.7.3
	github.com/mr-tron/base58 v1.2.0
	github.com/trustelem/zxcvbn v1.0.1
	go.etcd.io/bbolt v1.5.0
	golang.org/x/crypto v0.58.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	google.golang.org/grpc v1.75.0
	google.golang.org/protobuf v1.36.8
	gopkg.in/yaml.v3 v3.0.1
)

require (
	filippo.io/hpke v0.4.0 // indirect
	github.com/btcsuite/btcutil v1.0.2 // indirect
	github.com/cosmos/go-bip39 v1.0.0 // indirect
	github.com/dlclark/regexp2 v1.12.0 // indirect
	github.com/go-playground/locales v0.14.1 // indirect
	github.com/go-playground/universal-translator v0.18.1 // indirect
	github.com/go-playground/validator/v10 v10.12.0 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/gorilla/websocket v1.5.0 // indirect
	github.com/jinzhu/copier v0.4.0 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/leodido/go-urn v1.2.2 // indirect
	github.com/samber/lo v1.49.1 // indirect
	github.com/test-go/testify v1.1.4 // indirect
	github.com/tidwall/gjson v1.14.4 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.5.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250707201910-8d1bb00bc6a7 // indirect
)

replace github.com/klauspost/reedsolomon => ./third_party/reedsolomon
