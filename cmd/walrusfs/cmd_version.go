package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise it comes from the module
// version go install records, or "devel".
var version = ""

// runVersion: walrusfs version. Prints one line: the version, the source
// revision (with "+dirty" for uncommitted changes) and its date when the
// binary was built from a git checkout, the Go version and the platform.
func runVersion(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "version", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"version takes no arguments"}
	}
	fmt.Fprintln(env.stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

// versionLine formats the version and what bi (ok: present) records of
// the build.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	v := version
	settings := map[string]string{}
	if ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	if v == "" {
		v = "devel"
	}
	parts := []string{"walrusfs " + v}
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if settings["vcs.modified"] == "true" {
			rev += "+dirty"
		}
		if t := settings["vcs.time"]; t != "" {
			rev += " " + t
		}
		parts = append(parts, rev)
	}
	parts = append(parts, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return strings.Join(parts, ", ")
}
