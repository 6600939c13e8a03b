module github.com/walrusfs/walrusfs

go 1.26.8

require (
	github.com/klauspost/reedsolomon v1.14.2
	go.etcd.io/bbolt v1.5.0
	golang.org/x/crypto v0.58.0
	golang.org/x/sys v0.49.0
)

require github.com/klauspost/cpuid/v2 v2.3.0 // indirect
