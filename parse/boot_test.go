package parse

import (
	"testing"
)

// Real lines from the kernels of ../shared/fixtures and the corpora, and
// lines that look close but say nothing.
func TestLineFact(t *testing.T) {
	tests := []struct {
		line string
		want Fact
	}{
		{"[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-03)",
			Fact{Kind: FactBanner, Release: "6.1.0-56-amd64"}},
		{"<5>[    0.000000] Linux version 6.1.192-nokallsyms (root@build) (gcc-12) #1 SMP PREEMPT_DYNAMIC",
			Fact{Kind: FactBanner, Release: "6.1.192-nokallsyms"}},
		{"Nov 29 10:00:01 host kernel: [    0.000000] Linux version 2.6.32-5-amd64 (Debian 2.6.32-48squeeze6) (jmm@debian.org) #1 SMP",
			Fact{Kind: FactBanner, Release: "2.6.32-5-amd64"}},
		{"[   12.305863] Kernel Offset: 0xd400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)",
			Fact{Kind: FactOffset, Offset: 0xd400000, Base: 0xffffffff81000000}},
		{"[   15.424448] Kernel Offset: 0x4fc6a2000000 from 0xffff800008000000",
			Fact{Kind: FactOffset, Offset: 0x4fc6a2000000, Base: 0xffff800008000000}},
		{"[   18.021308] Kernel Offset: disabled", Fact{Kind: FactOffsetDisabled}},
		{"[    0.000000] Command line: console=ttyS0,115200 panic=-1 nokaslr dyndbg=\"func move_module +p\"", Fact{Kind: FactNoKASLR}},
		{"[    0.000000] Kernel command line: console=ttyAMA0 nokaslr", Fact{Kind: FactNoKASLR}},
		{"[    0.000000] Kernel command line: console=ttyAMA0 panic=-1", Fact{}},
		{"[   11.887033] CPU: 1 PID: 100 Comm: init Tainted: G           OE      6.1.0-50-686 #1  Debian 6.1.176-1",
			Fact{Kind: FactRelease, Release: "6.1.0-50-686"}},
		{"[   10.2] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.12.0-rc1+ #12",
			Fact{Kind: FactRelease, Release: "6.12.0-rc1+"}},
		{"CPU: 0 UID: 0 PID: 5829 Comm: syz-executor Not tainted 6.12.0-rc6-syzkaller-00077-g2e1b3cc9d7f7 #0",
			Fact{Kind: FactRelease, Release: "6.12.0-rc6-syzkaller-00077-g2e1b3cc9d7f7"}},
		{"Pid: 2297, comm: insmod Tainted: P           2.6.32-5-686 #1 To Be Filled By O.E.M.",
			Fact{Kind: FactRelease, Release: "2.6.32-5-686"}},
		{"Pid: 0, comm: swapper Not tainted (2.6.18-194.el5 #1)", Fact{Kind: FactRelease, Release: "2.6.18-194.el5"}},
		{"[   12.948957] ---[ end trace 0000000000000000 ]---", Fact{Kind: FactReportEnd}},
		{"[   18.0] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---", Fact{Kind: FactReportEnd}},
		{"[   15.285143] Modules linked in: oopsdemo(OE) [last unloaded: oopsdemo_uaf(OE)]", Fact{Kind: FactLastUnloaded, Module: "oopsdemo_uaf"}},
		{"Modules linked in: nfsd lockd [last unloaded: scsi_wait_scan]", Fact{Kind: FactLastUnloaded, Module: "scsi_wait_scan"}},
		{"[   13.076973] Modules linked in: oopsdemo(OE)", Fact{}},
		// Close, but not the kernel's lines.
		{"[    1.0] CPU: Physical Processor ID: 0", Fact{}},
		{"[    1.0] Kernel Offset: garbage", Fact{}},
		{"[    1.0] Linux version", Fact{}},
		{"[    1.0] Linux version foo", Fact{}},
		{"Linux agent booted", Fact{}},
		{"", Fact{}},
	}
	for _, tt := range tests {
		if got := LineFact([]byte(tt.line)); got != tt.want {
			t.Errorf("LineFact(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
		p := NewParser(ArchUnknown)
		p.Tokens([]byte(tt.line))
		if got := p.Fact(); got != tt.want {
			t.Errorf("Parser.Fact after %q = %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		line string
		want float64
		ok   bool
	}{
		{"[   12.305863] Kernel Offset: disabled", 12.305863, true},
		{"<4>[ 1234.5] x", 1234.5, true},
		{"Nov 29 10:00:01 host kernel: [    3.250000] x", 3.25, true},
		{"oopsdemo-init: trigger oops", 0, false},
		{"[  T123] no time", 0, false},
	}
	for _, tt := range tests {
		got, ok := Timestamp([]byte(tt.line))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Timestamp(%q) = %v, %v; want %v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReleaseVersion(t *testing.T) {
	for _, tt := range []struct {
		rel          string
		major, minor int
		ok           bool
	}{{"6.1.0-56-amd64", 6, 1, true}, {"2.6.32", 2, 6, true}, {"3.13.0-24-generic", 3, 13, true}, {"x", 0, 0, false}, {"6.", 0, 0, false}} {
		ma, mi, ok := ReleaseVersion(tt.rel)
		if ma != tt.major || mi != tt.minor || ok != tt.ok {
			t.Errorf("ReleaseVersion(%q) = %d, %d, %v", tt.rel, ma, mi, ok)
		}
	}
}
