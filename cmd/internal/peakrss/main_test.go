package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/nonexistent::"+dir)
	if got := lookPath("tool"); got != tool {
		t.Errorf("lookPath(tool) = %q, want %q", got, tool)
	}
	if got := lookPath("data"); got != "data" {
		t.Errorf("lookPath(data) = %q: not executable, want it unchanged", got)
	}
	if got := lookPath("./x/tool"); got != "./x/tool" {
		t.Errorf("a path with a slash is looked up: %q", got)
	}
}
