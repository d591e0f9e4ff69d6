package main

import (
	"os"
	"strings"
	"testing"
)

// TestOffsetVerdicts runs the command on real logs with their System.map
// alone: it says on stderr which offset it used and where it came from,
// from a file and from a pipe alike, and where the log gives no evidence
// it withholds the names and says what to pass.
func TestOffsetVerdicts(t *testing.T) {
	kaslrLog := td + "/x86_64-kaslr-sysrq-panic/console.log"
	i386Log := td + "/i386-module-oops/console.log"
	i386Map := td + "/maps/System.map-6.1.0-50-686.xz"
	logText, err := os.ReadFile(kaslrLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        []string
		code        int
	}{
		{"file", "", []string{"-m", amd64Map, kaslrLog}, []string{`boot 1 (line 1), kernel 6.1.0-56-amd64: KASLR offset 0xd400000 (from the log's "Kernel Offset:" line)`}, 0},
		{"pipe", string(logText), []string{"-m", amd64Map}, []string{`standard input: boot 1 (line 1), kernel 6.1.0-56-amd64: KASLR offset 0xd400000 (from the log's "Kernel Offset:" line)`}, 0},
		{"given", "", []string{"-m", amd64Map, "--kaslr-offset", "0xd400000", kaslrLog}, []string{"KASLR offset 0xd400000 (given with --kaslr-offset)"}, 0},
		{"i386", "", []string{"-q", "-m", i386Map, i386Log}, []string{
			"WARNING: " + i386Log + ": boot 1 (line 1), kernel 6.1.0-50-686: KASLR offset unknown; names withheld",
			`"Kernel Offset: disabled", which a 32-bit kernel prints even when randomized`,
			"--kaslr-offset HEX",
			"addresses were left unannotated"}, 0},
		{"i386 forced", "", []string{"-q", "--force", "-m", i386Map, i386Log}, []string{"KASLR offset 0x0 (assumed without evidence: forced)"}, 0},
		{"another build", "", []string{"-q", "-m", nokallsymsMap, kaslrLog}, []string{
			"names withheld",
			"the log's kernel is 6.1.0-56-amd64, the table is for 6.1.192-nokallsyms",
			"does not match"}, 0},
	} {
		r := runCmd(t, tc.stdin, noEnv, tc.args...)
		if r.code != tc.code {
			t.Errorf("%s: exit %d: %s", tc.name, r.code, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, w, r.stderr)
			}
		}
	}
}

// TestLsmod resolves a module address with a System.map and the boot's
// saved /proc/modules, and rejects a zeroed one.
func TestLsmod(t *testing.T) {
	mods := td + "/x86_64-nokaslr-module-oops/modules.txt" // oopsdemo at 0xffffffffc0201000
	line := "[   13.1]  0xffffffffc02011c8\n"
	r := runCmd(t, line, noEnv, "-q", "-m", amd64Map, "--kaslr-offset", "0", "--lsmod", mods)
	if r.code != 0 || r.stdout != "[   13.1]  0xffffffffc02011c8 [oopsdemo+0x1c8]\n" {
		t.Errorf("exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	zeroed := td + "/x86_64-nokallsyms-nokaslr-module-oops/modules.txt"
	r = runCmd(t, line, noEnv, "-q", "-m", amd64Map, "--lsmod", zeroed)
	if r.code != 1 || !strings.Contains(r.stderr, zeroed) || !strings.Contains(r.stderr, "kptr_restrict") {
		t.Errorf("zeroed: exit %d, %s", r.code, r.stderr)
	}
	r = runCmd(t, line, noEnv, "-q", "-m", amd64Map, "--lsmod", "-")
	if r.code != 2 {
		t.Errorf("--lsmod - with the log on stdin: exit %d, %s", r.code, r.stderr)
	}
}
