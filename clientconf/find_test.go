package clientconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// places makes a fresh cwd, XDG_CONFIG_HOME and home under t.TempDir.
func places(t *testing.T) (cwd, xdg, home string) {
	t.Helper()
	root := t.TempDir()
	cwd, xdg, home = filepath.Join(root, "cwd"), filepath.Join(root, "xdg"), filepath.Join(root, "home")
	for _, d := range []string{cwd, xdg, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestWalrusSearchPath(t *testing.T) {
	env := Env{Getenv: getenv(map[string]string{"XDG_CONFIG_HOME": "/x"}), Cwd: "/c", Home: "/h"}
	want := []string{
		"/c/client_config.yaml", "/c/client_config.yml",
		"/x/client_config.yaml", "/x/client_config.yml",
		"/x/walrus/client_config.yaml", "/x/walrus/client_config.yml",
		"/h/.config/walrus/client_config.yaml", "/h/.config/walrus/client_config.yml",
		"/h/.walrus/client_config.yaml", "/h/.walrus/client_config.yml",
	}
	if got := WalrusSearchPath(env); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// Without XDG_CONFIG_HOME, cwd or home, those places are left out; a
	// relative XDG_CONFIG_HOME is taken under cwd.
	if got := WalrusSearchPath(Env{Home: "/h"}); len(got) != 4 || got[0] != "/h/.config/walrus/client_config.yaml" {
		t.Fatalf("home only: %q", got)
	}
	if got := WalrusSearchPath(Env{Getenv: getenv(map[string]string{"XDG_CONFIG_HOME": "rel"}), Cwd: "/c"}); got[2] != "/c/rel/client_config.yaml" {
		t.Fatalf("relative XDG: %q", got)
	}
	if got := SuiSearchPath(Env{Cwd: "/c", Home: "/h"}); !reflect.DeepEqual(got, []string{"/c/sui_config.yaml", "/h/.sui/sui_config/client.yaml"}) {
		t.Fatalf("sui: %q", got)
	}
}

func TestFindOrder(t *testing.T) {
	for _, c := range []struct {
		name    string
		present []string // relative to the root: cwd/..., xdg/..., home/...
		want    string
	}{
		{"home .walrus", []string{"home/.walrus/client_config.yaml"}, "home/.walrus/client_config.yaml"},
		{"home .walrus yml", []string{"home/.walrus/client_config.yml"}, "home/.walrus/client_config.yml"},
		{".config beats .walrus", []string{"home/.walrus/client_config.yaml", "home/.config/walrus/client_config.yaml"}, "home/.config/walrus/client_config.yaml"},
		{"xdg/walrus beats .config", []string{"home/.config/walrus/client_config.yaml", "xdg/walrus/client_config.yml"}, "xdg/walrus/client_config.yml"},
		{"bare xdg beats xdg/walrus", []string{"xdg/walrus/client_config.yaml", "xdg/client_config.yml"}, "xdg/client_config.yml"},
		{"cwd beats xdg", []string{"xdg/client_config.yaml", "cwd/client_config.yml"}, "cwd/client_config.yml"},
		{"yaml beats yml", []string{"cwd/client_config.yml", "cwd/client_config.yaml"}, "cwd/client_config.yaml"},
		{"other names ignored", []string{"cwd/client_config.json", "cwd/walrus.yaml", "home/.walrus/client_config.yaml"}, "home/.walrus/client_config.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cwd, xdg, home := places(t)
			root := filepath.Dir(cwd)
			for _, p := range c.present {
				touch(t, filepath.Join(root, p))
			}
			got, err := Find("", Env{Getenv: getenv(map[string]string{"XDG_CONFIG_HOME": xdg}), Cwd: cwd, Home: home})
			if err != nil || got != filepath.Join(root, c.want) {
				t.Fatalf("got %q, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestFindExplicitAndMissing(t *testing.T) {
	cwd, xdg, home := places(t)
	touch(t, filepath.Join(home, ".walrus", "client_config.yaml"))
	env := Env{Getenv: getenv(map[string]string{"XDG_CONFIG_HOME": xdg}), Cwd: cwd, Home: home}
	for in, want := range map[string]string{
		"conf/w.yaml":       filepath.Join(cwd, "conf/w.yaml"), // explicit wins even if absent
		"~/w.yaml":          filepath.Join(home, "w.yaml"),
		"/etc/walrus/c.yml": "/etc/walrus/c.yml",
	} {
		if got, err := Find(in, env); err != nil || got != want {
			t.Errorf("Find(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Find("~/w.yaml", Env{Cwd: cwd}); err == nil || !strings.Contains(err.Error(), "home directory unknown") {
		t.Errorf("~ without home: %v", err)
	}
	_, err := Find("", Env{Cwd: cwd, Getenv: getenv(nil)})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(cwd, "client_config.yml")) {
		t.Errorf("nothing found: %v", err)
	}
	if _, err := Find("", Env{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no places: %v", err)
	}
}
