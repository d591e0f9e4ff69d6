package symbolize

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// vmlinuxFrame is a line of testdata/expected/expected-addr2line-<arch>.txt:
// a frame as a kernel printed it, and the link-time address it stands for
// ("kthread_complete_and_exit+0x20/0x20 | vmlinux 0xc10977e0 | ...").
var vmlinuxFrame = regexp.MustCompile(`^([\w.$]+)\+0x([0-9a-f]+)/0x([0-9a-f]+) \| vmlinux 0x([0-9a-f]+) \|`)

// TestSystemMapAgainstKernelFrames checks the System.map path on four
// architectures, i386 included, against frames real kernels printed: each
// link-time address must give back the kernel's text. Offsets equal to the
// size are %pB return addresses after a noreturn call.
func TestSystemMapAgainstKernelFrames(t *testing.T) {
	for _, c := range []struct{ expected, sysmap string }{
		{"expected/expected-addr2line-amd64.txt", "maps/System.map-6.1.0-56-amd64.xz"},
		{"expected/expected-addr2line-arm64.txt", "maps/System.map-6.1.0-56-arm64.xz"},
		{"expected/expected-addr2line-armhf.txt", "maps/System.map-6.1.0-50-armmp.xz"},
		{"expected/expected-addr2line-i386.txt", "maps/System.map-6.1.0-50-686.xz"},
	} {
		t.Run(c.sysmap, func(t *testing.T) {
			tab, err := ParseSystemMap(bytes.NewReader(readTestdata(t, c.sysmap)), c.sysmap)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			s := bufio.NewScanner(bytes.NewReader(readTestdata(t, c.expected)))
			for s.Scan() {
				m := vmlinuxFrame.FindStringSubmatch(s.Text())
				if m == nil {
					continue
				}
				off, _ := strconv.ParseUint(m[2], 16, 64)
				size, _ := strconv.ParseUint(m[3], 16, 64)
				addr, _ := strconv.ParseUint(m[4], 16, 64)
				lookup := tab.Lookup
				if off == size {
					lookup = tab.LookupReturn
				}
				loc, ok := lookup(addr)
				want := m[1] + "+0x" + m[2] + "/0x" + m[3]
				if !ok || loc.String() != want {
					t.Errorf("%#x: got %v (ok=%v), the kernel printed %s", addr, loc, ok, want)
				}
				checked++
			}
			t.Logf("%d kernel-printed frames reproduced from the System.map", checked)
			if checked < 20 {
				t.Errorf("only %d frames checked", checked)
			}
		})
	}
}

// TestNokallsymsRawAddresses resolves the raw addresses a kernel without
// kallsyms printed, against the resolutions listed in
// expected-addr2line-nokallsyms.txt (System.map for the core kernel).
func TestNokallsymsRawAddresses(t *testing.T) {
	tab, err := ParseSystemMap(bytes.NewReader(readTestdata(t, "maps/System.map-6.1.192-nokallsyms.xz")), "nokallsyms")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^nokallsyms-nokaslr-module-oops \| line \d+ \| (\?? ?frame|RIP|WARNING at) \| 0x([0-9a-f]+) \| (\S+) $`)
	checked := 0
	s := bufio.NewScanner(bytes.NewReader(readTestdata(t, "expected/expected-addr2line-nokallsyms.txt")))
	for s.Scan() {
		cols := strings.SplitN(s.Text(), "| at:", 2)
		m := row.FindStringSubmatch(cols[0])
		if m == nil {
			continue
		}
		addr, _ := strconv.ParseUint(m[2], 16, 64)
		lookup := tab.Lookup
		if strings.HasSuffix(m[1], "frame") {
			lookup = tab.LookupReturn
		}
		loc, ok := lookup(addr)
		if !ok || loc.String() != m[3] {
			t.Errorf("%#x (%s): got %v ok=%v, want %s", addr, m[1], loc, ok, m[3])
		}
		checked++
	}
	if checked < 5 {
		t.Errorf("only %d addresses checked", checked)
	}
}
