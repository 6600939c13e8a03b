// Package oracle runs the real Walrus encoder, the npm package
// @mysten/walrus-wasm (walrus-core compiled to WASM), under node, so tests
// can compare rs2/ against it byte for byte. It is test support only.
package oracle

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Package is the npm package and version the cross-check uses.
const Package = "@mysten/walrus-wasm@0.3.0"

//go:embed oracle.cjs
var script []byte

// Install makes sure Package is installed under dir (an npm prefix) and
// returns dir. It runs npm only when the package is missing.
func Install(ctx context.Context, dir string) (string, error) {
	// node resolves require() paths from the script's folder: make dir
	// absolute.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	pj := filepath.Join(dir, "node_modules", "@mysten", "walrus-wasm", "package.json")
	if b, err := os.ReadFile(pj); err == nil && strings.Contains(string(b), `"version": "0.3.0"`) {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, Package)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm install %s: %w\n%s", Package, err, out)
	}
	return dir, nil
}

// Case is one oracle request.
type Case struct {
	N            int      `json:"n"`
	Data         string   `json:"data"` // path of the blob's bytes
	MetadataOnly bool     `json:"metadataOnly,omitempty"`
	BlobID       string   `json:"blobId,omitempty"` // hex; needed with Decode
	Decode       []string `json:"decode,omitempty"` // paths of BCS primary slivers to decode from
}

// Result is the oracle's answer for one Case. Hex strings throughout;
// Primary/Secondary are sha256 of each sliver's BCS bytes by pair index.
type Result struct {
	BlobID    string      `json:"blobId"`
	Root      string      `json:"root"`
	Primary   []string    `json:"primary"`
	Secondary []string    `json:"secondary"`
	Hashes    [][2]string `json:"hashes"`
	Decoded   string      `json:"decoded"`
	Error     string      `json:"error"`
}

// Run runs all cases in one node process.
func Run(ctx context.Context, moduleDir, workDir string, cases []Case) ([]Result, error) {
	scriptPath := filepath.Join(workDir, "oracle.cjs")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		return nil, err
	}
	manifest := filepath.Join(workDir, "manifest.json")
	results := filepath.Join(workDir, "results.json")
	b, err := json.Marshal(cases)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", scriptPath, moduleDir, manifest, results)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("node oracle: %w\n%s", err, out)
	}
	b, err = os.ReadFile(results)
	if err != nil {
		return nil, err
	}
	var res []Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("oracle results: %w", err)
	}
	if len(res) != len(cases) {
		return nil, fmt.Errorf("oracle returned %d results for %d cases", len(res), len(cases))
	}
	return res, nil
}

//go:embed bench.cjs
var benchScript []byte

// Timing is the oracle's time for one input and the blob ID it computed.
type Timing struct {
	Ms     float64 `json:"ms"`
	BlobID string  `json:"blobId"` // hex
}

// Bench times the oracle's compute_metadata on P(size) inputs for n
// shards, in one node process after a warm-up.
func Bench(ctx context.Context, moduleDir, workDir string, n int, sizes []int) (map[int]Timing, error) {
	scriptPath := filepath.Join(workDir, "bench.cjs")
	if err := os.WriteFile(scriptPath, benchScript, 0o644); err != nil {
		return nil, err
	}
	args := []string{scriptPath, moduleDir, fmt.Sprint(n)}
	for _, s := range sizes {
		args = append(args, fmt.Sprint(s))
	}
	out, err := exec.CommandContext(ctx, "node", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("node bench: %w", err)
	}
	var raw map[string]Timing
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("node bench output: %w", err)
	}
	res := make(map[int]Timing, len(raw))
	for _, s := range sizes {
		t, ok := raw[fmt.Sprint(s)]
		if !ok {
			return nil, fmt.Errorf("node bench: no timing for %d", s)
		}
		res[s] = t
	}
	return res, nil
}

//go:embed blobid.cjs
var blobIDScript []byte

// BlobIDCommand returns a command that runs the oracle as a whole process
// on one file, as `walrusfs blob-id` runs: node starts, loads the WASM
// module, reads the file and prints the blob ID in hex. It writes its
// script into workDir.
func BlobIDCommand(ctx context.Context, moduleDir, workDir string, n int, file string) (*exec.Cmd, error) {
	scriptPath := filepath.Join(workDir, "blobid.cjs")
	if err := os.WriteFile(scriptPath, blobIDScript, 0o644); err != nil {
		return nil, err
	}
	return exec.CommandContext(ctx, "node", scriptPath, moduleDir, fmt.Sprint(n), file), nil
}
