package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// TestParseInterspersedDashBlobID: a blob ID that begins with "-"
// (base64url) is a positional argument, before or after flags; an unknown
// flag is still an error.
func TestParseInterspersedDashBlobID(t *testing.T) {
	const id = "-1Rg7PjCw4v6g05WyvXb8ZSv5vfUHGO_BITgj5K8rmU"
	for _, args := range [][]string{
		{id, "-o", "out"},
		{"-o", "out", id},
		{"--o=out", id, "file"},
	} {
		fs := flag.NewFlagSet("read", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o := fs.String("o", "", "")
		pos, err := parseInterspersed(fs, args)
		if err != nil || *o != "out" || pos[0] != id {
			t.Fatalf("%q: pos %q o %q err %v", args, pos, *o, err)
		}
		if len(args) == 3 && args[2] == "file" && !slices.Equal(pos, []string{id, "file"}) {
			t.Fatalf("%q: pos %q", args, pos)
		}
	}
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseInterspersed(fs, []string{"-nope", id}); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
}
