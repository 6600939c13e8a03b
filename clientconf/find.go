package clientconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is returned (wrapped) when no configuration file exists in
// any of the places searched.
var ErrNotFound = errors.New("configuration file not found")

// Env is the part of the process environment the search depends on, so
// that tests need not touch the real home directory.
type Env struct {
	// Getenv reads an environment variable (XDG_CONFIG_HOME); nil reads
	// none.
	Getenv func(string) string
	// Cwd is the current directory; "" skips the places under it.
	Cwd string
	// Home is the user's home directory; "" skips the places under it.
	Home string
}

// OSEnv returns the Env of this process: os.Getenv, the working directory
// and the home directory (each "" when unknown).
func OSEnv() Env {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return Env{Getenv: os.Getenv, Cwd: cwd, Home: home}
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// walrusFileNames are the names the walrus CLI tries in each directory, in
// this order (WALRUS_CONFIG_FILE_NAMES in default_configuration_paths,
// crates/walrus-sdk/src/config.rs).
var walrusFileNames = []string{"client_config.yaml", "client_config.yml"}

// WalrusSearchPath returns the files Find tries, in order. It follows
// default_configuration_paths (crates/walrus-sdk/src/config.rs): for each
// directory in turn, client_config.yaml then client_config.yml, in
//
//  1. the current directory;
//  2. $XDG_CONFIG_HOME itself, which is what that function does;
//  3. $XDG_CONFIG_HOME/walrus, which is what the CLI's --config help text
//     (crates/walrus-service/src/client/cli/args.rs) says it does; both
//     are searched so a file placed after either reading is found;
//  4. ~/.config/walrus;
//  5. ~/.walrus.
//
// Places whose base (Cwd, XDG_CONFIG_HOME, Home) is unknown are left out.
func WalrusSearchPath(env Env) []string {
	var dirs []string
	if env.Cwd != "" {
		dirs = append(dirs, env.Cwd)
	}
	if x := env.getenv("XDG_CONFIG_HOME"); x != "" {
		x = absUnder(env.Cwd, x)
		dirs = append(dirs, x, filepath.Join(x, "walrus"))
	}
	if env.Home != "" {
		dirs = append(dirs, filepath.Join(env.Home, ".config", "walrus"), filepath.Join(env.Home, ".walrus"))
	}
	var out []string
	for _, d := range dirs {
		for _, n := range walrusFileNames {
			out = append(out, filepath.Join(d, n))
		}
	}
	return out
}

// SuiSearchPath returns the wallet configuration files tried when the
// Walrus configuration names none, in order: ./sui_config.yaml, then
// ~/.sui/sui_config/client.yaml (WalletConfig::load_wallet,
// crates/walrus-sui/src/config.rs).
func SuiSearchPath(env Env) []string {
	var out []string
	if env.Cwd != "" {
		out = append(out, filepath.Join(env.Cwd, "sui_config.yaml"))
	}
	if env.Home != "" {
		out = append(out, filepath.Join(env.Home, ".sui", "sui_config", "client.yaml"))
	}
	return out
}

// Find returns the Walrus client configuration file to use: explicit if
// given ("~/" expanded, relative to env.Cwd; not checked here, Load
// reports a missing file), else the first existing file of
// WalrusSearchPath. Nothing found is an error wrapping ErrNotFound that
// lists the places searched.
func Find(explicit string, env Env) (string, error) {
	if explicit != "" {
		p, err := expandHome(explicit, env.Home)
		if err != nil {
			return "", err
		}
		return absUnder(env.Cwd, p), nil
	}
	return firstExisting(WalrusSearchPath(env), "Walrus client configuration (client_config.yaml)")
}

// firstExisting returns the first path that exists (as the Rust tools'
// path_or_defaults_if_exist, crates/walrus-utils/src/config.rs).
func firstExisting(paths []string, what string) (string, error) {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if len(paths) == 0 {
		return "", fmt.Errorf("clientconf: no %s: %w (no current or home directory to search)", what, ErrNotFound)
	}
	return "", fmt.Errorf("clientconf: no %s: %w in %s", what, ErrNotFound, strings.Join(paths, ", "))
}

// expandHome replaces a leading "~/" (or a lone "~") with home, as
// path_with_resolved_home_dir does (crates/walrus-utils/src/config.rs).
func expandHome(p, home string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	if home == "" {
		return "", fmt.Errorf("clientconf: cannot expand %q: home directory unknown", p)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

// absUnder returns p made absolute relative to dir when p is relative and
// dir is known.
func absUnder(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// resolvePath expands "~/" with home and makes a relative p relative to
// the directory of the file that names it (of its target, if the file is
// a symbolic link, so that a linked configuration keeps its neighbours).
func resolvePath(p, file, home string) (string, error) {
	p, err := expandHome(p, home)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(file); err == nil {
		file = real
	}
	return absUnder(filepath.Dir(file), p), nil
}
