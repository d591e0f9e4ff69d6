package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

func TestZZProf(t *testing.T) {
	args := os.Getenv("ZZ_ARGS")
	if args == "" {
		t.Skip()
	}
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	for i := 0; i < 3; i++ {
		if rc := run(append([]string{"ksymoops-go"}, strings.Fields(args)...), strings.NewReader(""), devnull, io.Discard, func(string) (string, bool) { return "", false }); rc != 0 {
			t.Fatal(rc)
		}
	}
}
