package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// kernelHex finds what a reader could take for an address: a hexadecimal
// number of 8 to 16 digits standing alone. It is the test's own reading,
// written apart from the Redactor's.
var kernelHex = regexp.MustCompile(`(?i)(?:^|[^0-9a-z_])(?:0x)?([0-9a-f]{8,16})(?:$|[^0-9a-z_])`)

// leaks returns the kernel-space values left in text: at or above
// 0xffff800000000000 on 64-bit, 0xc0000000 on 32-bit, a number on a
// "Kernel Offset:" line, and Code: bytes that read as such an address.
func leaks(text string, bits int) []string {
	floor := uint64(0xffff800000000000)
	width := 8
	if bits == 32 {
		floor, width = 0xc0000000, 4
	}
	var found []string
	for _, line := range strings.Split(text, "\n") {
		// The matches may share a delimiter: look again from each one.
		for rest := line; ; {
			m := kernelHex.FindStringSubmatchIndex(rest)
			if m == nil {
				break
			}
			v, _ := strconv.ParseUint(rest[m[2]:m[3]], 16, 64)
			if v >= floor {
				found = append(found, line)
			}
			rest = rest[m[3]:]
		}
		if i := strings.Index(line, "Kernel Offset: "); i >= 0 && strings.Contains(line[i:], "0x") {
			found = append(found, line)
		}
		if i := strings.Index(line, "Code: "); i >= 0 {
			var bytes []uint64
			for _, f := range strings.Fields(line[i+6:]) {
				b, err := strconv.ParseUint(strings.Trim(f, "<>()"), 16, 8)
				if err != nil || len(strings.Trim(f, "<>()")) != 2 {
					bytes = bytes[:0]
					continue
				}
				bytes = append(bytes, b)
				if len(bytes) >= width {
					var v uint64
					for k := width - 1; k >= 0; k-- {
						v = v<<8 | bytes[len(bytes)-width+k]
					}
					if v >= floor {
						found = append(found, line)
						break
					}
				}
			}
		}
	}
	return found
}

// TestRedactRealLogs: in the output of --redact on every real log in
// testdata, whatever the table, no kernel-space value survives, and the
// addresses that resolved are replaced by their symbols.
func TestRedactRealLogs(t *testing.T) {
	maps := td + "/maps/"
	for _, tc := range []struct {
		logs  []string
		table []string
		bits  int
		want  string // a line of the output, with a symbol where an address was
	}{
		{[]string{td + "/x86_64-nokaslr-module-oops/console.log"}, []string{"-k", td + "/x86_64-nokaslr-module-oops/kallsyms.txt.xz"}, 64, ""},
		{[]string{td + "/x86_64-kaslr-sysrq-panic/console.log"}, []string{"-k", kaslrKallsyms}, 64, ""},
		{[]string{td + "/x86_64-kaslr-sysrq-panic/console.log"}, []string{"-m", amd64Map}, 64, ""},
		{[]string{nokallsymsLog}, []string{"-m", nokallsymsMap}, 64, "]  vfs_write+0xc2/0x3e0"},
		{[]string{td + "/arm64-kaslr-module-oops/console.log"}, []string{"-k", td + "/arm64-kaslr-module-oops/kallsyms.txt.xz"}, 64, ""},
		{[]string{td + "/armhf-sysrq-panic/console.log"}, []string{"-k", td + "/armhf-sysrq-panic/kallsyms.txt.xz"}, 32, ""},
		{[]string{td + "/i386-module-oops/console.log"}, []string{"-k", td + "/i386-module-oops/kallsyms.txt.xz"}, 32, "EIP: oopsdemo_uaf_nap+0x12/0x30 [oopsdemo_uaf]"},
		{[]string{td + "/i386-module-oops/console.log"}, []string{"-m", maps + "System.map-6.1.0-50-686.xz"}, 32, ""},
		{[]string{inputsDir + "/console.log", inputsDir + "/kmsg.txt", inputsDir + "/journal/json.xz", inputsDir + "/journal/all-json.xz", inputsDir + "/journal/short.txt.xz", inputsDir + "/journal/short-delta.txt.xz"},
			[]string{"-k", inputsKallsyms}, 64, "RIP: 0010:oopsdemo_uaf_nap+0xf/0x30 [oopsdemo_uaf]"},
		{[]string{inputsDir + "/pstore/*"}, []string{"-m", amd64Map}, 64, ""},
		{[]string{efiPstoreDir + "/*", td + "/x86_64-efi-pstore/console.log"}, []string{"-m", amd64Map}, 64, ""},
		{[]string{kdumpLog, td + "/x86_64-kdump/console.log"}, []string{"-m", amd64Map}, 64, ""},
		// The wrong table: names withheld, addresses redacted all the same.
		{[]string{td + "/arm64-kaslr-module-oops/console.log"}, []string{"-k", kaslrKallsyms}, 64, ""},
	} {
		name := filepath.Base(filepath.Dir(tc.logs[0])) + "/" + strings.Join(tc.table, " ")
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{"--redact"}, tc.table...), tc.logs...)
			r := runCmd(t, "", noEnv, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if l := leaks(r.stdout, tc.bits); len(l) > 0 {
				t.Errorf("%d lines with kernel values left, the first: %q", len(l), l[0])
			}
			if !strings.Contains(r.stdout, "(redacted)") {
				t.Error("nothing redacted")
			}
			if tc.want != "" && !strings.Contains(r.stdout, tc.want) {
				t.Errorf("no %q in the output", tc.want)
			}
			// Without --redact the same logs do hold kernel values: the
			// test would see them.
			plain := runCmd(t, "", noEnv, append(tc.table, tc.logs...)...)
			if len(leaks(plain.stdout, tc.bits)) == 0 {
				t.Error("the log holds no kernel values to redact")
			}
		})
	}
}

func TestLeaksChecker(t *testing.T) {
	for _, tc := range []struct {
		text string
		bits int
		n    int
	}{
		{"RSP: 0018:ffffd18500413dc8 EFLAGS: 00000246", 64, 1},
		{"R14: ffff8b617536c000 R15: ffff8b617536c000", 64, 2},
		{"[<c0123456>] [<c0123457>]", 32, 2},
		{"RAX: dead000000000100 RBX: 00007ffe13759aa8", 64, 0},
		{"Kernel Offset: (redacted) from (redacted)", 64, 0},
		{"Kernel Offset: 0x1e00000 from (redacted)", 64, 1},
		{"Code: 75 11 a1 8c f2 43 f7 c7", 32, 1},
		{"Code: 75 11 a1 8c 12 43 07 09", 32, 0},
	} {
		if n := len(leaks(tc.text, tc.bits)); n != tc.n {
			t.Errorf("%q: %d leaks, want %d", tc.text, n, tc.n)
		}
	}
}
