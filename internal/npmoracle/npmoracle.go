// Package npmoracle runs the official Walrus and Sui TypeScript packages
// from npm under node, so tests can compare walrusfs with them byte for
// byte. All cross-checks share one npm prefix, named by the environment
// variable WALRUSFS_ORACLE (scripts/crosscheck.sh installs Packages there).
// It is test support only.
package npmoracle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Env names the npm prefix holding Packages.
const Env = "WALRUSFS_ORACLE"

// Packages are the npm packages (exact versions) the cross-checks use.
// @noble/curves comes with @mysten/sui.
var Packages = []string{"@mysten/walrus-wasm@0.3.0", "@mysten/sui@2.33.1", "@mysten/walrus@1.2.13"}

// Dir returns the npm prefix from Env, or skips the test saying why.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		t.Skip("live cross-check: set " + Env + " to an npm prefix with " + fmt.Sprint(Packages) + " (make crosscheck does)")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// Install installs Packages under dir (an npm prefix) unless they are
// there already.
func Install(ctx context.Context, dir string) error {
	missing := false
	for _, p := range []string{"@mysten/walrus-wasm", "@mysten/sui", "@mysten/walrus"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--prefix", dir}, Packages...)
	if out, err := exec.CommandContext(ctx, "npm", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("npm install: %w\n%s", err, out)
	}
	return nil
}

// Run writes script (an ES module, so name ends in .mjs) into the npm
// prefix dir, where bare imports such as "@mysten/sui/transactions"
// resolve, runs it with node, passes in as JSON on standard input and
// decodes standard output as JSON into out.
func Run(ctx context.Context, dir, name string, script []byte, in, out any) error {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return err
	}
	input, err := json.Marshal(in)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "node", path)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node %s: %w\n%s", name, err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("node %s: output: %w", name, err)
	}
	return nil
}
