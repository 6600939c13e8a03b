package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestMountHelperArgs(t *testing.T) {
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	spec, mnt, flags, fake, err := parseHelperArgs(env, []string{"/var/lib/w", "/srv/w", "-n", "-o",
		"rw,defaults,_netdev,noauto,x-systemd.automount,nofail,durability=close,cache-size=4G,sync-uploads,network=testnet,epochs=3"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--durability=close", "--cache-size=4G", "--sync-uploads", "--network=testnet", "--epochs=3"}
	if spec != "/var/lib/w" || mnt != "/srv/w" || fake || !reflect.DeepEqual(flags, want) {
		t.Fatalf("parsed %q %q %q fake=%v", spec, mnt, flags, fake)
	}
	if _, _, _, fake, err := parseHelperArgs(env, []string{"d", "m", "-fv"}); err != nil || !fake {
		t.Fatalf("-fv: fake=%v err=%v", fake, err)
	}
	for _, bad := range [][]string{
		{"d"},                           // no mountpoint
		{"d", "m", "-o", "ro"},          // read-only is not offered
		{"d", "m", "-o", "bogus=1"},     // neither generic nor a flag
		{"d", "m", "-o", "durability"},  // a flag that needs a value
		{"d", "m", "-o", "data-dir=/x"}, // the data directory is the spec
		{"d", "m", "-q"},
		{"d", "m", "-o"},
	} {
		if _, _, _, _, err := parseHelperArgs(env, bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%q: %v is not a usage error", bad, err)
		}
	}
	// -f (mount -f) does nothing and succeeds.
	if code, _, errs := runCLI(t, "", "mount-helper", t.TempDir(), t.TempDir(), "-f", "-o", "durability=close"); code != 0 {
		t.Fatalf("mount-helper -f: code %d, %s", code, errs)
	}
}
