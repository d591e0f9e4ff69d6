package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	nokallsymsELF      = td + "/maps/vmlinux-6.1.192-nokallsyms.symtab.xz"
	nokallsymsSections = td + "/x86_64-nokallsyms-nokaslr-module-oops/module-sections.txt"
	nokaslrSections    = td + "/x86_64-nokaslr-module-oops/module-sections.txt"
	nokaslrKallsyms    = td + "/x86_64-nokaslr-module-oops/kallsyms.txt.xz"
	nokaslrLog         = td + "/x86_64-nokaslr-module-oops/console.log"
)

// moduleDir returns a directory laid out like /lib/modules/<release>
// with the oopsdemo modules of arch, compressed as Debian ships them.
func moduleDir(t *testing.T, arch string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "updates", "dkms")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"oopsdemo", "oopsdemo_uaf"} {
		b, err := os.ReadFile(td + "/modules/" + arch + "/" + m + ".ko.xz")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, m+".ko.xz"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Dir(filepath.Dir(dir))
}

// TestVmlinuxAndModules annotates the kallsyms-less kernel's log with the
// symbols of its vmlinux (no System.map) and its module placed by the
// boot's sections dump: the raw module addresses get names and source
// lines, and the vmlinux without DWARF is said to give no lines.
func TestVmlinuxAndModules(t *testing.T) {
	vmlinux := filepath.Join(t.TempDir(), "vmlinux")
	if err := os.WriteFile(vmlinux, readXZ(t, nokallsymsELF), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "", noEnv, "--vmlinux", vmlinux, "--modules", moduleDir(t, "nokallsyms"),
		"--module-sections", nokallsymsSections, nokallsymsLog)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"RIP: 0010:0xffffffffc00000f0 oopsdemo_level3+0x4c/0xf9 [oopsdemo] (/usr/src/oopsdemo-1.0/oopsdemo.c:50)\r\n",
		"[    4.579878]  0xffffffffc00001a2 oopsdemo_level2+0x5/0x18 [oopsdemo] (/usr/src/oopsdemo-1.0/oopsdemo.c:69)\r\n",
		"[    4.579878]  0xffffffff812aabc0 proc_reg_write+0x50/0x90\r\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, want := range []string{"no source lines for the kernel", "no DWARF", "source lines for module oopsdemo from"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	golden(t, "nokallsyms-vmlinux-modules.golden", r.stdout)
}

// TestModulesFromKallsyms places the module from the boot's kallsyms
// (no sections dump) and checks the compact form.
func TestModulesFromKallsyms(t *testing.T) {
	r := runCmd(t, "", noEnv, "-k", nokaslrKallsyms, "--modules", moduleDir(t, "amd64"), "--inline", "compact", nokaslrLog)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	re := regexp.MustCompile(`\[oopsdemo\] \(/usr/src/oopsdemo-1.0/oopsdemo.c:\d+\)`)
	if n := len(re.FindAllString(r.stdout, -1)); n != 15 {
		t.Errorf("%d module frames with source lines, want 15; stderr: %s", n, r.stderr)
	}
}

func TestSourceFlagErrors(t *testing.T) {
	mods := moduleDir(t, "nokallsyms") // another build than the amd64 boot's
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--inline", "sideways", nokaslrLog}, exitUsage, "--inline: want lines or compact"},
		{[]string{"--vmlinux", nokallsymsELF, nokaslrLog}, exitError, "is xz-compressed: decompress it first"},
		{[]string{"--vmlinux", nokallsymsLog, nokaslrLog}, exitError, "not a readable ELF file"},
		// The sections dump has the build id of the boot's module: the
		// nokallsyms build of it is refused.
		{[]string{"-k", nokaslrKallsyms, "--modules", mods, "--module-sections", nokaslrSections, nokaslrLog}, exitOK, "it is another build of the module"},
		{[]string{"-k", nokaslrKallsyms, "--modules", t.TempDir(), nokaslrLog}, exitOK, "no source lines for module oopsdemo: module file not found"},
	} {
		r := runCmd(t, "", noEnv, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.stderr)
		}
		if c.code == exitOK && strings.Contains(r.stdout, "[oopsdemo] (") {
			t.Errorf("%v: source lines from a refused module", c.args)
		}
	}
}

// TestVmlinuxLines checks the core kernel's source lines against
// addr2line with a vmlinux with DWARF given as KSYMOOPS_VMLINUX (Debian's
// linux-image-6.1.0-56-amd64-dbg): every x86 frame of the two amd64 logs
// must get the line addr2line gives for its call (or, for RIP, its
// address), with the inlined functions above it.
func TestVmlinuxLines(t *testing.T) {
	vmlinux := os.Getenv("KSYMOOPS_VMLINUX")
	if vmlinux == "" {
		t.Skip("KSYMOOPS_VMLINUX is not set: set it to Debian's /usr/lib/debug/boot/vmlinux-6.1.0-56-amd64")
	}
	want := map[string][2]string{} // frame -> outermost "at" and "call" locations
	f, err := os.Open(td + "/expected/expected-addr2line-amd64.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	loc := regexp.MustCompile(` at (\S+:\d+)(?: \(discriminator \d+\))?$`)
	for s.Scan() {
		c := strings.Split(s.Text(), " | ")
		if len(c) != 4 {
			continue
		}
		at, call := c[2], strings.TrimPrefix(c[3], "call: ")
		call, _, _ = strings.Cut(call, " (offset 0")
		w := [2]string{}
		for i, chain := range []string{at, call} {
			parts := strings.Split(chain, " <- inlined into ")
			if m := loc.FindStringSubmatch(parts[len(parts)-1]); m != nil {
				p := strings.TrimPrefix(m[1], "debian/build/build_amd64_none_amd64/")
				w[i] = strings.TrimPrefix(p, "linux-6.1.192/")
			}
		}
		want[c[0]] = w
	}
	checked := 0
	for _, sc := range []string{"x86_64-nokaslr-module-oops", "x86_64-kaslr-sysrq-panic"} {
		r := runCmd(t, "", noEnv, "-k", td+"/"+sc+"/kallsyms.txt.xz", "--vmlinux", vmlinux, "--modules", moduleDir(t, "amd64"),
			td+"/"+sc+"/console.log")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		frame := regexp.MustCompile(`(RIP: 0010:|\]  (?:\? )?)([\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?) \((\S+)\)`)
		for _, m := range frame.FindAllStringSubmatch(r.stdout, -1) {
			w, ok := want[m[2]]
			if !ok {
				continue
			}
			exp := w[1]
			if strings.HasPrefix(m[1], "RIP") {
				exp = w[0]
			}
			if m[3] != exp {
				t.Errorf("%s: %s (%s), addr2line says %s", sc, m[2], m[3], exp)
			}
			checked++
		}
	}
	t.Logf("%d frames agree with addr2line", checked)
	// The System.map of another build: no core lines, and a warning.
	r := runCmd(t, "", noEnv, "-m", nokallsymsMap, "--vmlinux", vmlinux, nokallsymsLog)
	if r.code != 0 || !strings.Contains(r.stderr, "another build") || strings.Contains(r.stdout, "fs/read_write.c") {
		t.Errorf("another build's table: exit %d, stderr %q", r.code, r.stderr)
	}
	if checked < 40 {
		t.Errorf("only %d frames checked", checked)
	}
}
