//go:build linux

package volkey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the controller and the terminal side of a new
// pseudo-terminal.
func openPTY(t *testing.T) (ctl, tty *os.File) {
	t.Helper()
	// Non-blocking, so that os.NewFile puts it in the poller and read
	// deadlines work.
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	ctl = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(int(ctl.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ctl.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close(); ctl.Close() })
	return ctl, tty
}

// converse plays the user: after each prompt it types the next answer.
// It returns what the terminal showed.
func converse(t *testing.T, ctl *os.File, prompts, answers []string) <-chan string {
	t.Helper()
	shown := make(chan string, 1)
	go func() {
		var seen bytes.Buffer
		buf := make([]byte, 256)
		for i, p := range prompts {
			for !strings.Contains(seen.String(), p) || strings.Count(seen.String(), p) < countUpTo(prompts, i, p) {
				ctl.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := ctl.Read(buf)
				seen.Write(buf[:n])
				if err != nil {
					shown <- seen.String()
					return
				}
			}
			time.Sleep(20 * time.Millisecond) // let ReadPassword turn echo off
			io.WriteString(ctl, answers[i]+"\r")
		}
		// Collect the rest of the output (the newline after the last answer).
		ctl.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		for {
			n, err := ctl.Read(buf)
			seen.Write(buf[:n])
			if err != nil {
				break
			}
		}
		shown <- seen.String()
	}()
	return shown
}

// countUpTo counts p in prompts[:i+1].
func countUpTo(prompts []string, i int, p string) int {
	n := 0
	for _, q := range prompts[:i+1] {
		if q == p {
			n++
		}
	}
	return n
}

// TestReadPassphraseTerminal drives readPassphrase through a
// pseudo-terminal: the answer is returned, never echoed; confirmation
// must match; a weak new passphrase is refused before the second prompt.
func TestReadPassphraseTerminal(t *testing.T) {
	for _, c := range []struct {
		name    string
		confirm bool
		answers []string
		want    string
		err     error
		errText string
	}{
		{"unlock", false, []string{strongPass}, strongPass, nil, ""},
		{"new, confirmed", true, []string{strongPass, strongPass}, strongPass, nil, ""},
		{"new, mismatch", true, []string{strongPass, strongPass2}, "", nil, "differ"},
		{"new, weak", true, []string{"password"}, "", ErrWeakPassphrase, ""},
		{"empty", false, []string{""}, "", nil, "empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl, tty := openPTY(t)
			prompts := []string{"Passphrase: ", "Repeat the passphrase: "}[:len(c.answers)]
			shown := converse(t, ctl, prompts, c.answers)
			got, err := readPassphrase(tty, "Passphrase: ", c.confirm)
			out := <-shown
			for _, a := range c.answers {
				if a != "" && strings.Contains(out, a) {
					t.Fatalf("the terminal echoed the passphrase: %q", out)
				}
			}
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
			case c.errText != "":
				if err == nil || !strings.Contains(err.Error(), c.errText) {
					t.Fatalf("err = %v, want one saying %q", err, c.errText)
				}
			default:
				if err != nil || string(got) != c.want {
					t.Fatalf("got %q, %v", got, err)
				}
			}
		})
	}
}
