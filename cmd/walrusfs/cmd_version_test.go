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
