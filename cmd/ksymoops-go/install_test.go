package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeInstall runs `make install PREFIX=...` on a clean copy of the
// repository (its tracked files only: no bin/, nothing left by earlier
// builds) and checks what it installed: the binary, ksymoops-go(1) and
// the completions, where bash, zsh, fish and man look for them. A staged
// install (DESTDIR) puts the same files under the stage.
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: not with -short")
	}
	makeCmd, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make")
	}
	gitCmd, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	listing, err := exec.Command(gitCmd, "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skip("not a git checkout:", err)
	}
	src := filepath.Join(t.TempDir(), "src")
	for _, name := range strings.Split(strings.TrimRight(string(listing), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			continue // deleted in the work tree
		}
		dst := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	prefix := filepath.Join(t.TempDir(), "prefix")
	stage := filepath.Join(t.TempDir(), "stage")
	for _, args := range [][]string{{"install", "PREFIX=" + prefix}, {"install", "PREFIX=/usr/local", "DESTDIR=" + stage}} {
		cmd := exec.Command(makeCmd, append([]string{"-C", src}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %v: %v\n%s", args, err, out)
		}
	}
	for _, base := range []string{prefix, filepath.Join(stage, "usr/local")} {
		for installed, from := range map[string]string{
			"share/man/man1/ksymoops-go.1":                     "cmd/ksymoops-go/man/ksymoops-go.1",
			"share/bash-completion/completions/ksymoops-go":    "cmd/ksymoops-go/completions/ksymoops-go.bash",
			"share/zsh/site-functions/_ksymoops-go":            "cmd/ksymoops-go/completions/ksymoops-go.zsh",
			"share/fish/vendor_completions.d/ksymoops-go.fish": "cmd/ksymoops-go/completions/ksymoops-go.fish",
		} {
			have, err := os.ReadFile(filepath.Join(base, installed))
			want, _ := os.ReadFile(filepath.Join(root, from))
			if err != nil || !bytes.Equal(have, want) || len(want) == 0 {
				t.Errorf("%s: %v, or not %s", installed, err, from)
			}
		}
		bin := filepath.Join(base, "bin/ksymoops-go")
		if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("%s: %v, not executable", bin, err)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "ksymoops-go version ") {
			t.Errorf("%s --version: %q %v", bin, out, err)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		out, err := exec.Command(man, "-l", filepath.Join(prefix, "share/man/man1/ksymoops-go.1")).Output()
		if err != nil || !strings.Contains(string(out), "EXAMPLES") || !strings.Contains(string(out), "--redact") {
			t.Errorf("man -l: %v\n%.300s", err, out)
		}
	}
}
