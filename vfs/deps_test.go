package vfs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps: the core links no kernel bridge, no Sui or gRPC and no
// concrete back end, so it runs (and its tests build) without them. The
// layers that may use those (fs, daemon, control) are above it.
func TestDeps(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const self = "github.com/walrusfs/walrusfs/"
	forbidden := []string{
		"github.com/hanwen/go-fuse",
		"github.com/block-vision/sui-go-sdk",
		"google.golang.org/grpc",
		self + "fs", self + "daemon", self + "control", self + "cmd", self + "sui",
		self + "blobstore/", // every concrete back end; the blobstore root is the interface
		self + "localnet",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, strings.TrimSuffix(f, "/")+"/") {
				t.Errorf("vfs depends on %s", pkg)
			}
		}
	}
}
