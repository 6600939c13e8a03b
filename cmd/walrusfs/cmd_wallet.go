package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/walrusfs/walrusfs/wallet"
)

// walletCommands are the subcommands of walrusfs wallet.
var walletCommands = []struct{ name, args, summary string }{
	{"address", "[--keystore FILE]", "print the address and scheme of every key, one line each, in file order"},
	{"new", "[--keystore FILE] [--scheme ed25519|secp256k1|secp256r1]", "add a new random key to the keystore (created 0600) and print its line"},
}

// runWallet: walrusfs wallet address|new [flags].
func runWallet(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		walletUsage(env.stderr)
		return usageError{"no wallet command given (address or new)"}
	}
	switch args[0] {
	case "-h", "--help", "help":
		walletUsage(env.stderr)
		return flag.ErrHelp
	case "address":
		return runWalletAddress(ctx, env, args[1:])
	case "new":
		return runWalletNew(ctx, env, args[1:])
	}
	walletUsage(env.stderr)
	return usageError{fmt.Sprintf("unknown wallet command %q (want address or new)", args[0])}
}

func walletUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: walrusfs wallet <command> [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range walletCommands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "The keystore is the Sui CLI's (~/.sui/sui_config/sui.keystore) unless --keystore names another.")
}

// defaultKeystore is the keystore wallet commands use without --keystore:
// the Sui CLI's.
func defaultKeystore() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no default keystore (%w); use --keystore FILE", err)
	}
	return filepath.Join(home, ".sui", "sui_config", "sui.keystore"), nil
}

// keystoreFlag adds --keystore to flags and returns a function giving the
// chosen path.
func keystoreFlag(flags *flag.FlagSet) func() (string, error) {
	p := flags.String("keystore", "", "Sui keystore file, a JSON array of base64 keys (default ~/.sui/sui_config/sui.keystore)")
	return func() (string, error) {
		if *p != "" {
			return *p, nil
		}
		return defaultKeystore()
	}
}

// walletLine is the output line of one key: "<0x address> <scheme>".
func walletLine(k *wallet.Key) string { return k.Address() + " " + k.Scheme().String() }

// warnInsecure tells stderr that the keystore can be read by others.
func warnInsecure(env *cliEnv, ks *wallet.Keystore) {
	if ks.Insecure {
		fmt.Fprintf(env.stderr, "walrusfs: warning: keystore %s is readable by other users (mode %#o); run chmod 600 %s\n",
			ks.Path, uint32(ks.Mode), ks.Path)
	}
}

// runWalletAddress: walrusfs wallet address [--keystore FILE]. Prints
// "<0x address> <scheme>" per key in file order; scripts rely on it.
func runWalletAddress(_ context.Context, env *cliEnv, args []string) error {
	flags := newFlags(env, "wallet address", walletCommands[0].args)
	keystore := keystoreFlag(flags)
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() != 0 {
		return usageError{"wallet address takes no arguments"}
	}
	path, err := keystore()
	if err != nil {
		return err
	}
	ks, err := wallet.OpenKeystore(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w (walrusfs wallet new creates a keystore with a new key)", err)
	}
	if err != nil {
		return err
	}
	warnInsecure(env, ks)
	if len(ks.Keys) == 0 {
		fmt.Fprintf(env.stderr, "walrusfs: keystore %s holds no keys\n", path)
	}
	for _, k := range ks.Keys {
		if _, err := fmt.Fprintln(env.stdout, walletLine(k)); err != nil {
			return err
		}
	}
	return nil
}

// runWalletNew: walrusfs wallet new [--keystore FILE] [--scheme S]. Adds
// a random key and prints its line as wallet address does.
func runWalletNew(_ context.Context, env *cliEnv, args []string) error {
	flags := newFlags(env, "wallet new", walletCommands[1].args)
	keystore := keystoreFlag(flags)
	schemeName := flags.String("scheme", "ed25519", "key scheme: ed25519, secp256k1 or secp256r1")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() != 0 {
		return usageError{"wallet new takes no arguments"}
	}
	scheme, err := wallet.ParseScheme(*schemeName)
	if err != nil {
		return usageError{err.Error()}
	}
	path, err := keystore()
	if err != nil {
		return err
	}
	var oldMode fs.FileMode
	if st, err := os.Stat(path); err == nil {
		oldMode = st.Mode().Perm()
	}
	k, err := wallet.NewKey(scheme, rand.Reader)
	if err != nil {
		return err
	}
	if _, err := wallet.AddKey(path, k); err != nil {
		return err
	}
	if oldMode&0o044 != 0 {
		fmt.Fprintf(env.stderr, "walrusfs: keystore %s was readable by other users (mode %#o); it is now 0600\n", path, uint32(oldMode))
	}
	fmt.Fprintf(env.stderr, "walrusfs: added a new %s key to %s; back the file up, it is the only copy of the key\n", scheme, path)
	_, err = fmt.Fprintln(env.stdout, walletLine(k))
	return err
}
