package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// lines joins log lines with newlines.
func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

func titles(reps []*Report) []string {
	var ts []string
	for _, r := range reps {
		ts = append(ts, r.Title)
	}
	return ts
}

func TestExtractorSeparatesCrashes(t *testing.T) {
	log := lines(
		"[   13.0] oopsdemo: level3 doing 'warn'",
		"[   13.1] ------------[ cut here ]------------",
		"[   13.1] WARNING: CPU: 1 PID: 130 at drivers/foo.c:50 foo_level3+0x51/0xfe [foo]",
		"[   13.1] Modules linked in: foo(OE)",
		"[   13.1] CPU: 1 PID: 130 Comm: init Tainted: G           OE      6.1.0-56-amd64 #1",
		"[   13.1] RIP: 0010:foo_level3+0x51/0xfe [foo]",
		"[   13.1] Call Trace:",
		"[   13.1]  <TASK>",
		"[   13.1]  foo_level2+0xa/0x1d [foo]",
		"[   13.1]  vfs_write+0xc7/0x3f0",
		"[   13.1]  </TASK>",
		"[   13.1] ---[ end trace 0000000000000000 ]---",
		"oopsdemo-init: trigger oops",
		"[   14.1] BUG: kernel NULL pointer dereference, address: 0000000000000010",
		"[   14.1] #PF: supervisor write access in kernel mode",
		"[   14.1] Oops: 0002 [#1] PREEMPT SMP NOPTI",
		"[   14.1] CPU: 1 PID: 132 Comm: init Tainted: G        W  OE      6.1.0-56-amd64 #1",
		"[   14.1] RIP: 0010:foo_level3+0x32/0xfe [foo]",
		"[   14.1] Call Trace:",
		"[   14.1]  foo_level2+0xa/0x1d [foo]",
		"[   14.1] ---[ end trace 0000000000000000 ]---",
		"[   14.2] RIP: 0010:foo_level3+0x32/0xfe [foo]",
		"[   14.2] Kernel panic - not syncing: Fatal exception",
		"[   14.2] ---[ end Kernel panic - not syncing: Fatal exception ]---",
		"[   30.0] Kernel panic - not syncing: sysrq triggered crash",
	)
	reps := extractAll(t, log, nil)
	want := []string{
		"WARNING in foo_level3",
		"BUG: unable to handle kernel NULL pointer dereference in foo_level3",
		"kernel panic: sysrq triggered crash",
	}
	if got := titles(reps); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("titles %q, want %q", got, want)
	}
	// One crash is one report: "Oops:" and the panic over it join the BUG.
	bug := reps[1]
	if !bug.Panicked || bug.PID != 132 || bug.Taint != "GWOE" || bug.Release != "6.1.0-56-amd64" {
		t.Errorf("BUG report %+v", bug)
	}
	if !strings.HasSuffix(string(log[bug.Start:bug.End]), "Fatal exception ]---\n") {
		t.Errorf("BUG report ends at %q", log[bug.Start:bug.End])
	}
	if reps[0].Panicked || reps[0].CPU != 1 || len(reps[0].Modules) != 1 || reps[0].Modules[0] != "foo" {
		t.Errorf("WARNING report %+v", reps[0])
	}
	if f := reps[0].Frames; len(f) != 3 || !f[0].IP || f[1].Name != "foo_level2" || f[1].Module != "foo" {
		t.Errorf("WARNING frames %+v", f)
	}
}

// TestExtractorInterleavedCallers: two tasks reporting at once, told apart
// by their printk caller ids, give two reports with their own frames.
func TestExtractorInterleavedCallers(t *testing.T) {
	log := lines(
		"[  309.97][T12234] INFO: trying to register non-static key.",
		"[  309.99][T12234] CPU: 0 PID: 12234 Comm: syz-executor0 Not tainted 4.20.0 #5",
		"[  310.01][T12234] Call Trace:",
		"[  310.01][T12234]  dump_stack+0x1db/0x2d0",
		"[  310.06][T12227] ------------[ cut here ]------------",
		"[  310.07][T12227] WARNING: CPU: 1 PID: 12227 at kernel/locking/lockdep.c:3553 lock_downgrade+0x4d2/0x910",
		"[  310.07][T12227] RIP: 0010:lock_downgrade+0x4d2/0x910",
		"[  310.08][T12227] Call Trace:",
		"[  310.08][T12227]  downgrade_write+0x1a/0x30",
		"[  310.08][T12227]  do_mprotect_pkey+0x2b/0x40",
		"[  310.13][T12234]  register_lock_class+0x19dc/0x1e60",
		"[  310.30][T12234]  vkms_atomic_crtc_destroy_state+0x2d/0x40",
		"[  310.31][T12234]  drm_ioctl+0x592/0xb50",
	)
	reps := extractAll(t, log, nil)
	want := []string{
		"INFO: trying to register non-static key in vkms_atomic_crtc_destroy_state",
		"WARNING: locking bug in downgrade_write",
	}
	if got := titles(reps); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("titles %q, want %q", got, want)
	}
	if reps[0].PID != 12234 || reps[1].PID != 12227 {
		t.Errorf("PIDs %d, %d", reps[0].PID, reps[1].PID)
	}
}

// TestExtractorBoundedMemory: a report longer than MaxLines is still
// found whole, and says its fields come from its first lines.
func TestExtractorBoundedMemory(t *testing.T) {
	ls := []string{"[ 1.0] BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]", "[ 1.0] Call Trace:"}
	for range 500 {
		ls = append(ls, "[ 1.0]  foo_loop+0x1/0x10")
	}
	log := lines(ls...)
	x := NewExtractor(Options{MaxLines: 50})
	var reps []*Report
	for _, l := range splitLines(log) {
		reps = append(reps, x.Line(l)...)
	}
	reps = append(reps, x.Flush()...)
	if len(reps) != 1 || !reps[0].Truncated || reps[0].End != int64(len(log)) || reps[0].Lines != 502 {
		t.Fatalf("reports %+v", reps)
	}
	if reps[0].Title != "BUG: soft lockup in foo_loop" {
		t.Errorf("title %q", reps[0].Title)
	}
}

// TestExtractorQuietEnd: a report without an end marker ends where the
// log goes back to other things, not at the next report far below.
func TestExtractorQuietEnd(t *testing.T) {
	ls := []string{
		"[ 5.0] INFO: task kworker/0:1:17 blocked for more than 120 seconds.",
		"[ 5.0] Call Trace:",
		"[ 5.0]  __schedule+0x1/0x10",
		"[ 5.0]  rtnl_lock+0x1/0x10",
	}
	for i := range 100 {
		ls = append(ls, "[ 6.0] eth0: link is up "+strings.Repeat("x", i%7))
	}
	log := lines(ls...)
	reps := extractAll(t, log, nil)
	if len(reps) != 1 || reps[0].Title != "INFO: task hung in rtnl_lock" {
		t.Fatalf("reports %q", titles(reps))
	}
	if want := int64(len(lines(ls[:4]...))); reps[0].End != want {
		t.Errorf("end %d, want %d", reps[0].End, want)
	}
}

func TestInReport(t *testing.T) {
	x := NewExtractor(Options{})
	log := lines("[ 1.0] hello", "[ 1.1] Kernel panic - not syncing: sysrq triggered crash", "[ 1.1] Kernel Offset: disabled")
	var in []bool
	for _, l := range splitLines(log) {
		x.Line(l)
		in = append(in, x.InReport())
	}
	if in[0] || !in[1] || !in[2] {
		t.Errorf("InReport %v", in)
	}
}

func TestNormalizeTitle(t *testing.T) {
	for in, want := range map[string]string{
		"KASAN: use-after-free in do_con_write.part.23+0x1c50/0x1cb0 at addr ffff88000012c43a": "KASAN: use-after-free in do_con_write.part.NUM at addr ADDR",
		"kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)":                     "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)",
		"INFO: Allocated in fasync_helper+0x29/0x90 age=1 cpu=1 pid=6024":                      "INFO: Allocated in fasync_helper age=NUM cpu=NUM pid=NUM",
		"BUG: spinlock bad magic on CPU#0, syz-executor3/1234":                                 "BUG: spinlock bad magic on CPU, syz-executor",
		"trusty: panic: failed(-5) to start app 6":                                             "trusty: panic: failed(-NUM) to start app NUM",
		"WARNING: at net/core/dev.c:1234 x\tfrom 10.1.2.3":                                     "WARNING: at net/core/dev.c:LINE x from IP",
		"\x01odd\x7f title  ": "odd title",
	} {
		if got := normalizeTitle(in); got != want {
			t.Errorf("normalizeTitle(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normalizeTitle(strings.Repeat("z", 300)); len(got) != maxTitle {
		t.Errorf("title of %d bytes", len(got))
	}
}

func TestParseEntry(t *testing.T) {
	for in, want := range map[string]Frame{
		" vfs_write+0xc7/0x3f0":                                          {Name: "vfs_write", Offset: 0xc7, Size: 0x3f0, Reliable: true},
		" ? foo+0x1/0x2 [mod]":                                           {Name: "foo", Offset: 1, Size: 2, Module: "mod"},
		" [<ffffffff81234567>] ? do_x+0x1/0x2":                           {Address: 0xffffffff81234567, Name: "do_x", Offset: 1, Size: 2},
		"[<c0123456>] (func) from [<c0123000>] (g+0x1/0x2)":              {Address: 0xc0123456, Name: "func", Reliable: true},
		" dump_stack_lvl from panic+0x110/0x370":                         {Name: "dump_stack_lvl", Reliable: true},
		"[c0000000fe0db9e0] [c000000000012345] f+0x10/0x20 (unreliable)": {Address: 0xc000000000012345, Name: "f", Offset: 0x10, Size: 0x20},
		" 0xffffffffc00001a2":                                            {Address: 0xffffffffc00001a2, Reliable: true},
		" __dump_stack lib/dump_stack.c:77 [inline]":                     {Name: "__dump_stack", File: "lib/dump_stack.c", Line: 77, Inlined: true, Reliable: true},
		" kasan_report+0x1/0x2 mm/kasan/report.c:408":                    {Name: "kasan_report", Offset: 1, Size: 2, File: "mm/kasan/report.c", Line: 408, Reliable: true},
		" ([<000000000012345a>] f+0x1/0x2)":                              {Address: 0x12345a, Name: "f", Offset: 1, Size: 2},
	} {
		got, ok := parseEntry([]byte(in), 0)
		if !ok || got != want {
			t.Errorf("parseEntry(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	for _, in := range []string{"Call Trace:", "RAX: 0000000000000000 RBX: ffffc9000057bd80", "Modules linked in: foo",
		"  lock(rtnl_mutex);", " ffff88801d5b7f00: fa fb fb", "CPU: 1 PID: 1 Comm: init", ""} {
		if fr, ok := parseEntry([]byte(in), 0); ok {
			t.Errorf("parseEntry(%q) = %+v, want none", in, fr)
		}
	}
}

// splitLines cuts a log into lines as parse.LineReader does, each with its
// own copy of the text.
func splitLines(b []byte) []parse.Line {
	lr := parse.NewLineReader(bytes.NewReader(b), 0)
	var out []parse.Line
	for {
		l, err := lr.Next()
		if err != nil {
			return out
		}
		l.Text = bytes.Clone(l.Text)
		l.EOL = bytes.Clone(l.EOL)
		out = append(out, l)
	}
}

// TestStallFrames: an RCU stall is blamed on what the interrupted CPU ran
// below its dispatcher, and its frames are that CPU's stack.
func TestStallFrames(t *testing.T) {
	log := lines(
		"[  328.8] rcu: INFO: rcu_preempt self-detected stall on CPU",
		"[  328.8] rcu: RCU grace-period kthread stack dump:",
		"[  328.8] Call Trace:",
		"[  328.8]  schedule_timeout+0x140/0x260",
		"[  328.8]  rcu_gp_kthread+0x9d9/0x2310",
		"[  328.8]  kthread+0x35a/0x420",
		"[  329.2] NMI backtrace for cpu 1",
		"[  329.2] CPU: 1 PID: 8314 Comm: syz-executor2 Not tainted 4.19.0-rc2+ #6",
		"[  329.2] Call Trace:",
		"[  329.2]  <IRQ>",
		"[  329.2]  dump_stack+0x1c4/0x2b4",
		"[  329.2]  rcu_dump_cpu_stacks+0x175/0x1c2",
		"[  329.6]  apic_timer_interrupt+0xf/0x20",
		"[  329.6]  </IRQ>",
		"[  329.6] RIP: 0010:kvm_mmu_page_fault+0x2a3/0x1ad0",
		"[  329.8]  vcpu_enter_guest+0x14a9/0x62e0",
		"[  330.0]  kvm_vcpu_ioctl+0x72b/0x1150",
		"[  330.0]  do_vfs_ioctl+0x1de/0x1720",
		"[  330.1]  __x64_sys_ioctl+0x73/0xb0",
		"[  330.1]  do_syscall_64+0x1b9/0x820",
	)
	reps := extractAll(t, log, nil)
	if len(reps) != 1 || reps[0].Title != "INFO: rcu detected stall in kvm_vcpu_ioctl" || reps[0].Type != "HANG" {
		t.Fatalf("reports %q", titles(reps))
	}
	if f := reps[0].Frames; len(f) < 3 || f[0].Name != "dump_stack" || reps[0].PID != 8314 {
		t.Errorf("frames %+v, pid %d", f, reps[0].PID)
	}
}
