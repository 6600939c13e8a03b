package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walrusfs/walrusfs/blobid"
	"github.com/walrusfs/walrusfs/blobstore"
	"github.com/walrusfs/walrusfs/control"
	"github.com/walrusfs/walrusfs/sui"
)

// runImport: walrusfs import [--data-dir D] (BLOB_ID | --object 0x...) PATH
// Asks the running mount of the data directory to place an existing
// Walrus blob at PATH (POST /import on the control socket): the daemon
// reads and verifies the blob first, then creates a read-only (0444) file
// whose content is that blob. PATH is an absolute path under the
// mountpoint, or a path relative to the mount's root. With --object the
// blob ID is read from that Sui Blob object (--network, --sui-url).
func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "import", "[--data-dir D] [--object 0x... [--network testnet|mainnet] [--sui-url URL]] [BLOB_ID] PATH")
	dataDir := fs.String("data-dir", "", "data directory of the mount (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	object := fs.String("object", "", "Sui object ID of a Walrus Blob to import instead of a BLOB_ID")
	network := fs.String("network", "", "Sui side of --object: testnet or mainnet (default $"+envNetwork+", else testnet)")
	suiURL := fs.String("sui-url", "", "Sui full node URL for --object (default $"+envSuiURL+", else the network's public node)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	want := 2
	if *object != "" {
		want = 1
	}
	if len(pos) != want {
		return usageError{"want BLOB_ID PATH, or --object 0x... PATH"}
	}
	var id blobid.ID
	if *object != "" {
		if id, err = blobOfObject(ctx, *object, firstSet(*network, os.Getenv(envNetwork), "testnet"), firstSet(*suiURL, os.Getenv(envSuiURL))); err != nil {
			return err
		}
	} else if id, err = blobid.Parse(pos[0]); err != nil {
		return fmt.Errorf("blob ID %q: %w: %w", pos[0], blobstore.ErrInvalid, err)
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	c := control.NewClient(dd)
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	p, err := mountRelative(st.Mountpoint, pos[len(pos)-1])
	if err != nil {
		return err
	}
	res, err := c.Import(ctx, id, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s %s (%d bytes, read-only)\n", id, filepath.Join(st.Mountpoint, p), res.Size)
	return nil
}

// mountRelative turns PATH into a path from the mount's root.
func mountRelative(mnt, p string) (string, error) {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(filepath.Clean(p)), nil
	}
	rel, err := filepath.Rel(mnt, filepath.Clean(p))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", usageError{fmt.Sprintf("%s is not a path under the mountpoint %s", p, mnt)}
	}
	return filepath.ToSlash(rel), nil
}

// blobOfObject reads the blob ID of the Sui Blob object objectID.
func blobOfObject(ctx context.Context, objectID, network, suiURL string) (blobid.ID, error) {
	net, ok := sui.Networks[network]
	if !ok {
		return blobid.ID{}, usageError{fmt.Sprintf("unknown network %q (want testnet or mainnet)", network)}
	}
	client, err := sui.Dial(net, suiURL)
	if err != nil {
		return blobid.ID{}, err
	}
	defer client.Close()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := client.Blob(rctx, objectID)
	if err != nil {
		return blobid.ID{}, fmt.Errorf("reading Blob object %s from Sui: %w", objectID, err)
	}
	return b.BlobID, nil
}
