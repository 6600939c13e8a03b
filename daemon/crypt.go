package daemon

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/walrusfs/walrusfs/blobstore/walrus"
	"github.com/walrusfs/walrusfs/seal"
	"github.com/walrusfs/walrusfs/vfs"
	"github.com/walrusfs/walrusfs/volkey"
	"github.com/walrusfs/walrusfs/wallet"
)

// Encryption of a mount.
//
// A data directory created by this walrusfs encrypts everything it
// stores unless created with Encrypt false: a volume key is made and kept
// wrapped in <data-dir>/keys (package volkey), and every chunk is sealed
// (vfs.NewCrypt). A data directory without keys stores plaintext, as it
// always did; Encrypt true turns encryption on for what it stores from
// then on.
//
// Unlocking, in order: the wallet (a mount with a Walrus client
// configuration), the key file, the passphrase file, the recovery code
// file, a passphrase typed on the terminal.

// Crypt settings of DaemonConfig.
type CryptConfig struct {
	// Encrypt: nil means the default (on for a new data directory, as it
	// is for an existing one); false at creation stores plaintext; true
	// on a plaintext data directory makes it encrypt from now on.
	Encrypt *bool
	// PassphraseFile holds the passphrase (--passphrase-file,
	// WALRUSFS_PASSPHRASE_FILE): it unlocks, and at creation adds a
	// passphrase to the volume.
	PassphraseFile string
	// RecoveryCodeFile holds the recovery code (unlocks only).
	RecoveryCodeFile string
	// Prompt allows asking for the passphrase on the terminal.
	Prompt bool
	// Out receives the recovery code, once, when the keys are created
	// (nil: not shown; walrusfs key export-recovery makes a new one).
	Out io.Writer
}

// volumeKey is an unlocked volume: its chunk sealing, master key and ID.
type volumeKey struct {
	crypt  vfs.Crypt
	master seal.Key
	id     [16]byte
}

// newVolumeKey wraps an unlocked master key of the volume in dataDir.
func newVolumeKey(dataDir string, k volkey.Key) (*volumeKey, error) {
	info, err := volkey.ReadInfo(dataDir)
	if err != nil {
		return nil, err
	}
	v := &volumeKey{crypt: vfs.NewCrypt(seal.Key(k)), master: seal.Key(k)}
	b, err := hex.DecodeString(info.ID)
	if err != nil || len(b) != len(v.id) {
		return nil, fmt.Errorf("volume ID %q in %s: not 16 bytes of hex", info.ID, dataDir)
	}
	copy(v.id[:], b)
	return v, nil
}

// openCrypt returns the mount's volume key (nil: plaintext) and a
// description for status. fresh says the data directory is new.
func openCrypt(cfg DaemonConfig, fresh bool, log *slog.Logger) (*volumeKey, string, error) {
	cc := cfg.Crypt
	methods, err := volkey.Methods(cfg.DataDir)
	switch {
	case errors.Is(err, volkey.ErrNoKeys):
		if cc.Encrypt != nil && !*cc.Encrypt || cc.Encrypt == nil && !fresh {
			if cc.Encrypt != nil && fresh {
				log.Warn("encryption is off: " + plaintextWarning(cfg))
			}
			return nil, "off", nil
		}
		return createKeys(cfg, log)
	case err != nil:
		return nil, "", err
	}
	if cc.Encrypt != nil && !*cc.Encrypt {
		return nil, "", fmt.Errorf("%s is an encrypted volume: encryption cannot be turned off (--encrypt=false)", cfg.DataDir)
	}
	k, how, err := unlock(cfg, methods)
	if err != nil {
		return nil, "", err
	}
	v, err := newVolumeKey(cfg.DataDir, k)
	if err != nil {
		return nil, "", err
	}
	return v, "on (unlocked by " + how + ")", nil
}

// plaintextWarning says who can read a plaintext mount's data.
func plaintextWarning(cfg DaemonConfig) string {
	if cfg.Walrus != nil {
		return "files are stored in the clear on Walrus: anyone who learns a blob ID can read them (every public aggregator serves every blob, and blob IDs are listed in Sui events)"
	}
	return "files are stored in the clear: the storage nodes' files hold their bytes"
}

// createKeys makes the volume key: with a wallet if the mount has one, a
// passphrase if a passphrase file is given (or, writing to Walrus through
// a publisher, typed on the terminal), else a key file; a recovery code
// always.
func createKeys(cfg DaemonConfig, log *slog.Logger) (*volumeKey, string, error) {
	var o volkey.Options
	var how []string
	key, err := walletKey(cfg)
	if err != nil {
		return nil, "", err
	}
	if key != nil {
		o.Wallet = key
		how = append(how, "wallet")
	}
	if f := cfg.Crypt.PassphraseFile; f != "" {
		if o.Passphrase, err = volkey.ReadPassphraseFile(f); err != nil {
			return nil, "", err
		}
		how = append(how, "passphrase")
	}
	if len(how) == 0 && cfg.Walrus != nil && cfg.Crypt.Prompt {
		// Walrus through a publisher, on a terminal: ask for a
		// passphrase (the embedded default never asks).
		p, err := volkey.ReadPassphrase("New passphrase for this volume (it unlocks your files; at least 12 characters): ", true)
		switch {
		case err == nil:
			o.Passphrase = p
			how = append(how, "passphrase")
		case errors.Is(err, volkey.ErrNoTerminal):
		default:
			return nil, "", err
		}
	}
	if len(how) == 0 {
		o.KeyFile = true
		how = append(how, "key file")
	}
	k, code, err := volkey.Create(cfg.DataDir, o)
	if err != nil {
		return nil, "", err
	}
	log.Info("created the volume key: everything this mount stores is encrypted", "unlock", strings.Join(how, ", "))
	if cfg.Crypt.Out != nil {
		fmt.Fprintf(cfg.Crypt.Out, "\nwalrusfs: this mount encrypts everything it stores. Its recovery code, shown only now:\n\n    %s\n\n"+
			"It unlocks your files if the %s is lost. Write it down and keep it apart from this machine.\n"+
			"(walrusfs key export-recovery makes a new one.)\n\n", code, strings.Join(how, " and "))
	} else {
		log.Info("the recovery code was not shown (no terminal): run walrusfs key export-recovery to make one")
	}
	v, err := newVolumeKey(cfg.DataDir, k)
	if err != nil {
		return nil, "", err
	}
	return v, "on (unlocked by " + strings.Join(how, ", ") + ")", nil
}

// unlock tries the unlock methods the volume has and the mount can use.
func unlock(cfg DaemonConfig, methods []volkey.Method) (volkey.Key, string, error) {
	has := map[volkey.Method]bool{}
	for _, m := range methods {
		has[m] = true
	}
	var tried []string
	fail := func(what string, err error) {
		tried = append(tried, fmt.Sprintf("%s: %v", what, err))
	}
	if has[volkey.MethodWallet] {
		key, err := walletKey(cfg)
		switch {
		case err != nil:
			fail("wallet", err)
		case key != nil:
			k, err := volkey.Unlock(cfg.DataDir, volkey.Wallet(key))
			if err == nil {
				return k, "wallet", nil
			}
			fail("wallet "+key.Address(), err)
		}
	}
	if has[volkey.MethodKeyFile] {
		k, err := volkey.Unlock(cfg.DataDir, volkey.KeyFile())
		if err == nil {
			return k, "key file", nil
		}
		fail("key file", err)
	}
	if f := cfg.Crypt.PassphraseFile; f != "" && has[volkey.MethodPassphrase] {
		p, err := volkey.ReadPassphraseFile(f)
		if err == nil {
			var k volkey.Key
			if k, err = volkey.Unlock(cfg.DataDir, volkey.Passphrase(p)); err == nil {
				return k, "passphrase", nil
			}
		}
		fail("passphrase file "+f, err)
	}
	if f := cfg.Crypt.RecoveryCodeFile; f != "" {
		b, err := os.ReadFile(f)
		if err == nil {
			var k volkey.Key
			if k, err = volkey.Unlock(cfg.DataDir, volkey.RecoveryCode(strings.TrimSpace(string(b)))); err == nil {
				return k, "recovery code", nil
			}
		}
		fail("recovery code file "+f, err)
	}
	if cfg.Crypt.Prompt && has[volkey.MethodPassphrase] {
		p, err := volkey.ReadPassphrase("Passphrase of "+cfg.DataDir+": ", false)
		if err == nil {
			var k volkey.Key
			if k, err = volkey.Unlock(cfg.DataDir, volkey.Passphrase(p)); err == nil {
				return k, "passphrase", nil
			}
		}
		fail("passphrase", err)
	}
	names := make([]string, len(methods))
	for i, m := range methods {
		names[i] = string(m)
	}
	msg := fmt.Sprintf("%s is encrypted and could not be unlocked (its keys open with: %s); give --passphrase-file, --recovery-code-file or the wallet's --config",
		cfg.DataDir, strings.Join(names, ", "))
	if len(tried) > 0 {
		msg += "; tried " + strings.Join(tried, "; ")
	}
	return volkey.Key{}, "", errors.New(msg)
}

// walletKey returns the wallet key of a mount with a Walrus client
// configuration, or nil.
func walletKey(cfg DaemonConfig) (*wallet.Key, error) {
	if cfg.Walrus == nil || cfg.Walrus.Client == nil {
		return nil, nil
	}
	r := cfg.Walrus.Client
	ks, err := wallet.OpenKeystore(r.Keystore)
	if err != nil {
		return nil, err
	}
	if r.Address == "" {
		return nil, fmt.Errorf("no active address in %s or %s", r.Walrus.Path, r.Sui.Path)
	}
	return ks.Find(r.Address)
}

// UnlockVolume unlocks the volume key of cfg.DataDir with the methods
// cfg offers (as a mount does) and says which one worked. It is for the
// key management commands; volkey.ErrNoKeys means a plaintext volume.
func UnlockVolume(cfg DaemonConfig) (volkey.Key, string, error) {
	methods, err := volkey.Methods(cfg.DataDir)
	if err != nil {
		return volkey.Key{}, "", err
	}
	return unlock(cfg, methods)
}

// WalletKey returns the wallet key of a Walrus configuration with a
// client configuration (a wallet), or nil.
func WalletKey(w *walrus.Config) (*wallet.Key, error) {
	return walletKey(DaemonConfig{Walrus: w})
}
