package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	const elf = "../../symbolize/testdata/elf/dwarf64.elf"
	want, err := os.ReadFile("../../symbolize/testdata/elf/dwarf64.addr2line")
	if err != nil {
		t.Fatal(err)
	}
	// The recorded answers are addr2line -a: drop the address lines.
	var addrs []string
	var frames []string
	for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		if strings.HasPrefix(l, "0x") {
			addrs = append(addrs, l)
		} else {
			frames = append(frames, l)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(append([]string{"-e", elf, "-strip-prefix="}, addrs...), nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := strings.TrimSpace(out.String()); got != strings.Join(frames, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(frames, "\n"))
	}
	// From standard input, with default paths.
	out.Reset()
	if code := run([]string{"-e", elf}, strings.NewReader(addrs[0]+"\n\n"), &out, &errOut); code != 0 || !strings.Contains(out.String(), "\ninit/inline.c:") {
		t.Errorf("stdin: exit %d, %q", code, out.String())
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-e", elf, "zz"}, 1, `"zz" is not a hexadecimal address`},
		{[]string{"-e", "missing.elf", "0"}, 1, "missing.elf"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
	} {
		errOut.Reset()
		if code := run(c.args, nil, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.msg) {
			t.Errorf("%v: exit %d, %q", c.args, code, errOut.String())
		}
	}
}
