package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/walrusfs/walrusfs/daemon"
	"github.com/walrusfs/walrusfs/volkey"
)

// runKey: walrusfs key status|change-passphrase|export-recovery. The
// volume key of an encrypted data directory: which unlock methods it has,
// setting or changing its passphrase, making a new recovery code. Each
// unlocks the volume first, as a mount does (wallet, key file,
// --passphrase-file, --recovery-code-file, or the passphrase typed on the
// terminal). They work while the mount runs.
func runKey(ctx context.Context, env *cliEnv, args []string) error {
	const usage = "key status|change-passphrase|export-recovery [--data-dir D] [--passphrase-file F] [--recovery-code-file F] [--config F --context C] [--new-passphrase-file F]"
	if len(args) == 0 {
		return usageError{"key needs a subcommand: status, change-passphrase or export-recovery"}
	}
	sub := args[0]
	fs := newFlags(env, "key "+sub, strings.TrimPrefix(usage, "key status|change-passphrase|export-recovery "))
	dataDir := fs.String("data-dir", "", "data directory of the volume (default $XDG_DATA_HOME/walrusfs or ~/.local/share/walrusfs)")
	wf := addWalrusFlags(fs)
	passFile := fs.String("passphrase-file", "", "file holding the current passphrase (env "+envPassphraseFile+")")
	codeFile := fs.String("recovery-code-file", "", "file holding the recovery code")
	newPassFile := fs.String("new-passphrase-file", "", "change-passphrase: file holding the new passphrase (default: typed twice on the terminal)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"key " + sub + " takes no arguments"}
	}
	dd, err := resolveDataDir(*dataDir)
	if err != nil {
		return err
	}
	if sub == "status" {
		info, err := volkey.ReadInfo(dd)
		if errors.Is(err, volkey.ErrNoKeys) {
			fmt.Fprintf(env.stdout, "%s is not encrypted (plaintext volume)\n", dd)
			return nil
		}
		if err != nil {
			return err
		}
		methods, err := volkey.Methods(dd)
		if err != nil {
			return err
		}
		names := make([]string, len(methods))
		for i, m := range methods {
			names[i] = string(m)
		}
		fmt.Fprintf(env.stdout, "volume %s, encrypted; unlocks with: %s\n", info.ID, strings.Join(names, ", "))
		return nil
	}
	if sub != "change-passphrase" && sub != "export-recovery" {
		return usageError{fmt.Sprintf("key %s: want status, change-passphrase or export-recovery", sub)}
	}
	wcfg, err := mountWalrusConfig(dd, wf, false)
	if err != nil {
		return err
	}
	cfg := daemon.DaemonConfig{DataDir: dd, Walrus: wcfg, Crypt: daemon.CryptConfig{
		PassphraseFile: firstSet(*passFile, os.Getenv(envPassphraseFile)), RecoveryCodeFile: *codeFile, Prompt: isTerminal(os.Stdin)}}
	k, how, err := daemon.UnlockVolume(cfg)
	if errors.Is(err, volkey.ErrNoKeys) {
		return fmt.Errorf("%s is not encrypted: it has no volume key", dd)
	}
	if err != nil {
		return err
	}
	switch sub {
	case "change-passphrase":
		var p []byte
		if *newPassFile != "" {
			p, err = volkey.ReadPassphraseFile(*newPassFile)
		} else {
			p, err = volkey.ReadPassphrase("New passphrase: ", true)
		}
		if err != nil {
			return err
		}
		if err := volkey.ChangePassphrase(dd, k, p); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "passphrase set (the volume was unlocked by %s)\n", how)
	case "export-recovery":
		code, err := volkey.ExportRecovery(dd, k)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "A new recovery code; the previous one no longer unlocks %s. Keep it apart from this machine:\n", dd)
		fmt.Fprintln(env.stdout, code)
	}
	return nil
}
