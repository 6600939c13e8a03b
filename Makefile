# walrusfs developer entry points. `make test` is what CI runs (.ci/run).
GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
ORACLE_DIR  ?= $(CURDIR)/.cache/oracle
BIN         ?= bin/walrusfs
# walrusfs version prints this (go build records no VCS data when
# GOFLAGS has -buildvcs=false).
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

MOUNTPOINT  ?= $(CURDIR)/walrus

.PHONY: all build run test lint unit crosscheck bench bench-encoding bench-blobstore bench-mount bench-crypt bench-tree bench-share bench-devnet clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/walrusfs

# The main job: build and mount ./walrus on the embedded local network
# (data in ~/.local/share/walrusfs), in the foreground; Ctrl-C unmounts.
run: build
	mkdir -p "$(MOUNTPOINT)"
	$(BIN) mount "$(MOUNTPOINT)"

# Everything that must pass: formatting, vet, staticcheck, unit and
# end-to-end tests with the race detector, and the live cross-check against
# the real Walrus encoder (skipped, saying so, when npm cannot install it).
test: lint unit crosscheck

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

unit:
	$(GO) test -race -timeout 30m $$($(GO) list ./... | grep -v '/tests$$')
	# The end-to-end tests build and run the walrusfs binary, which go test's
	# result cache does not see: never reuse a cached result.
	$(GO) test -race -count=1 -timeout 30m ./tests/
	# The patched copy of klauspost/reedsolomon (third_party/reedsolomon/PATCHES.md).
	cd third_party/reedsolomon && $(GO) test -short -count=1 .
	# The n = 1000 oracle vectors are skipped under -race (too slow there).
	$(GO) test -count=1 -run 'TestVectors|TestDocVectors|TestShardRotation' ./rs2/

crosscheck:
	@ORACLE_DIR="$(ORACLE_DIR)" GO="$(GO)" scripts/crosscheck.sh

# Benchmarks print figures; they never fail on speed.
bench: bench-encoding bench-blobstore bench-mount bench-tree

bench-encoding:
	$(GO) run ./rs2/internal/benchenc -oracle "$(ORACLE_DIR)"

bench-blobstore:
	$(GO) test -run XXX -bench BenchmarkEmbedded64MiB -benchtime 2x ./localnet

# Needs root: mounts walrusfs and a go-fuse loopback side by side.
bench-mount:
	$(GO) run ./tests/benchmount

# Direct writes with a wallet on a local devnet; the cost part needs root.
bench-crypt:
	$(GO) run ./tests/benchmount -only crypt

bench-devnet:
	$(GO) run ./tests/benchdevnet

# The tree on the network for 100,000 files: bytes per commit, recovery,
# walking a share (in memory; FILES=N for another size).
FILES ?= 100000
bench-tree:
	$(GO) run ./tests/benchtree -files $(FILES)

bench-share: build
	scripts/bench-share.sh

clean:
	rm -rf bin .cache
