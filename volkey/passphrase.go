package volkey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/term"
)

// PassphraseFileEnv names the environment variable that may point at a
// passphrase file (for systemd units), like the --passphrase-file flag.
const PassphraseFileEnv = "WALRUSFS_PASSPHRASE_FILE"

// Passphrase strength rules.
const (
	minPassphraseChars = 12
	minScore           = 3 // zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
	// zxcvbn's matching grows fast with length; only the first runes are
	// scored. A passphrase whose first 100 characters are guessable is
	// refused even if more follow.
	maxScoredChars = 100
)

// CheckPassphrase refuses a passphrase that is too short (fewer than 12
// characters) or too easy to guess (zxcvbn score below 3 of 4, which
// catches dictionary words, keyboard walks, repeats, sequences and dates).
// The error wraps ErrWeakPassphrase and says why, without the passphrase.
// A copy of the passphrase-wrapped key may become public (the volume
// header on Walrus), so the passphrase must stand an offline attack.
func CheckPassphrase(p []byte) error {
	if !utf8.Valid(p) {
		return fmt.Errorf("volkey: %w: the passphrase is not valid UTF-8 text", ErrWeakPassphrase)
	}
	n := utf8.RuneCount(p)
	if n < minPassphraseChars {
		return fmt.Errorf("volkey: %w: it has %d characters, at least %d are needed (a few unrelated words work well)",
			ErrWeakPassphrase, n, minPassphraseChars)
	}
	s := string(p)
	if n > maxScoredChars {
		cut := 0
		for range maxScoredChars {
			_, size := utf8.DecodeRuneInString(s[cut:])
			cut += size
		}
		s = s[:cut]
	}
	r := zxcvbn.PasswordStrength(s, []string{"walrusfs", "walrus", "sui"})
	if r.Score < minScore {
		return fmt.Errorf("volkey: %w: it is too easy to guess (strength %d of 4, at least %d needed): avoid common words, repeats, sequences and keyboard patterns, or add unrelated words",
			ErrWeakPassphrase, r.Score, minScore)
	}
	return nil
}

// ReadPassphrase asks for a passphrase on the terminal (/dev/tty), with
// echo off. With confirm (a new passphrase), it first checks it with
// CheckPassphrase and then asks for it again; a mismatch is an error.
// Without a terminal it returns ErrNoTerminal (use a passphrase file).
func ReadPassphrase(prompt string, confirm bool) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("volkey: %w to ask for the passphrase (%v); use a passphrase file", ErrNoTerminal, err)
	}
	defer tty.Close()
	return readPassphrase(tty, prompt, confirm)
}

func readPassphrase(tty *os.File, prompt string, confirm bool) ([]byte, error) {
	fd := int(tty.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("volkey: %w: %s is not a terminal; use a passphrase file", ErrNoTerminal, tty.Name())
	}
	ask := func(prompt string) ([]byte, error) {
		if _, err := fmt.Fprint(tty, prompt); err != nil {
			return nil, fmt.Errorf("volkey: %w", err)
		}
		p, err := term.ReadPassword(fd)
		fmt.Fprintln(tty)
		if err != nil {
			return nil, fmt.Errorf("volkey: reading the passphrase: %w", err)
		}
		return p, nil
	}
	p, err := ask(prompt)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("volkey: empty passphrase")
	}
	if !confirm {
		return p, nil
	}
	if err := CheckPassphrase(p); err != nil {
		return nil, err
	}
	again, err := ask("Repeat the passphrase: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, again) {
		return nil, fmt.Errorf("volkey: the two passphrases differ")
	}
	return p, nil
}

// ReadPassphraseFile reads a passphrase from the file at path (for
// services: --passphrase-file or WALRUSFS_PASSPHRASE_FILE). One trailing
// line ending (\n or \r\n) is removed. A file that group or others may
// read is used, with a warning through slog.Default().
func ReadPassphraseFile(path string) ([]byte, error) {
	return readPassphraseFile(path, slog.Default())
}

func readPassphraseFile(path string, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("volkey: passphrase file %s does not exist", path)
		}
		return nil, fmt.Errorf("volkey: passphrase file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("volkey: passphrase file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("volkey: passphrase file %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		log.Warn("passphrase file is readable by others than its owner; chmod 600 it",
			"file", path, "mode", fmt.Sprintf("%#o", st.Mode().Perm()))
	}
	const max = 4096
	p, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("volkey: reading passphrase file %s: %w", path, err)
	}
	if len(p) > max {
		return nil, fmt.Errorf("volkey: passphrase file %s is longer than %d bytes", path, max)
	}
	if q, ok := bytes.CutSuffix(p, []byte("\n")); ok {
		p = bytes.TrimSuffix(q, []byte("\r"))
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("volkey: passphrase file %s is empty", path)
	}
	return p, nil
}
