package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "walrusfs ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version: code %d out %q", code, out)
	}
	if code, _, _ := runCLI(t, "", "version", "extra"); code != 2 {
		t.Fatalf("version with an argument: code %d", code)
	}
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}}}
	want := "walrusfs v0.3.0, 0123456789ab+dirty 2026-12-01T10:00:00Z, " + runtime.Version()
	if got := versionLine(bi, true); !strings.HasPrefix(got, want) {
		t.Fatalf("versionLine = %q, want prefix %q", got, want)
	}
	if got := versionLine(nil, false); !strings.HasPrefix(got, "walrusfs devel, "+runtime.Version()) {
		t.Fatalf("versionLine without build info = %q", got)
	}
}

// TestHelp: --help of a command exits 0 and lists its flags GNU-style.
func TestHelp(t *testing.T) {
	code, _, errs := runCLI(t, "", "mount", "--help")
	if code != 0 || !strings.Contains(errs, "  --cache-size string") || !strings.Contains(errs, "(default 1G)") ||
		!strings.Contains(errs, "  --sync-uploads\n") {
		t.Fatalf("mount --help: code %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "--help"); code != 0 || !strings.Contains(errs, "--help lists the flags") {
		t.Fatalf("--help: code %d\n%s", code, errs)
	}
}
