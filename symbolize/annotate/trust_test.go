package annotate

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

func systemMapTable(t testing.TB, name string) *symbolize.Table {
	t.Helper()
	tab, err := symbolize.ParseSystemMap(bytes.NewReader(readTestdata(t, "maps/"+name+".xz")), name)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// run annotates log with res. With prescan, the log is read twice, as the
// command does for files; without, it streams as from a pipe.
func run(t testing.TB, res Resolver, opts Options, log string, prescan bool) (string, []Verdict, Stats) {
	t.Helper()
	a := New(res, opts)
	if prescan {
		if err := a.Prescan(strings.NewReader(log)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := a.Stream(w, strings.NewReader(log)); err != nil {
		t.Fatal(err)
	}
	return out.String(), a.Verdicts(), a.Stats()
}

// annotation is an address followed by a symbol in an output line.
var annotation = regexp.MustCompile(`(?:0x|\[<)([0-9a-f]{8,16})(?:>\])? (?:\? )?([A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w-]+\])?)`)

func annotations(line string) []string {
	var out []string
	for _, m := range annotation.FindAllStringSubmatch(line, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

// compareWithKallsyms checks the annotations a link-time table gave
// against those of the same boot's kallsyms, line by line: every name the
// table printed must be kallsyms', and every core name kallsyms printed
// must be there (a System.map has no modules). It returns the number of
// core annotations compared.
func compareWithKallsyms(t *testing.T, got, truth string) int {
	t.Helper()
	g, k := strings.Split(got, "\n"), strings.Split(truth, "\n")
	if len(g) != len(k) {
		t.Fatalf("%d lines, kallsyms gives %d", len(g), len(k))
	}
	n := 0
	for i := range g {
		ga, ka := annotations(g[i]), annotations(k[i])
		for _, a := range ga {
			if !slices.Contains(ka, a) {
				t.Errorf("line %d: %q is not what the boot's kallsyms says (%q)\n%s", i+1, a, ka, g[i])
			}
		}
		for _, a := range ka {
			if !strings.HasSuffix(a, "]") && !slices.Contains(ga, a) {
				t.Errorf("line %d: core address %q not annotated:\n%s", i+1, a, g[i])
			}
			if !strings.HasSuffix(a, "]") {
				n++
			}
		}
	}
	return n
}

// compareNoWrongNames checks that every name a link-time table printed is
// the one the boot's kallsyms gives.
func compareNoWrongNames(t *testing.T, got, truth string) {
	t.Helper()
	g, k := strings.Split(got, "\n"), strings.Split(truth, "\n")
	for i := range g {
		ka := annotations(k[i])
		for _, a := range annotations(g[i]) {
			if !slices.Contains(ka, a) {
				t.Errorf("line %d: %q is not what the boot's kallsyms says (%q)", i+1, a, ka)
			}
		}
	}
}

// TestOffsetFromTheLog finds each real boot's KASLR offset with its
// System.map alone, and checks it against the boot's kallsyms (_stext
// there minus _stext in the System.map): from the "Kernel Offset:" line
// (x86_64, arm64: printed at the end, after the traces), from nokaslr on
// the command line or "Kernel Offset: disabled", and for 32-bit ARM, which
// is never randomized. The addresses are the kernel's own symbols turned
// back into raw addresses, and both a prescanned file and a pipe (which
// holds a report back until its offset shows) must give every core name
// the boot's kallsyms gives.
func TestOffsetFromTheLog(t *testing.T) {
	for _, tc := range []struct {
		dir, sysmap string
		source      OffsetSource
	}{
		{"x86_64-kaslr-sysrq-panic", "System.map-6.1.0-56-amd64", OffsetLogLine},
		{"arm64-kaslr-module-oops", "System.map-6.1.0-56-arm64", OffsetLogLine},
		{"x86_64-nokaslr-module-oops", "System.map-6.1.0-56-amd64", OffsetDisabled},
		{"armhf-sysrq-panic", "System.map-6.1.0-50-armmp", OffsetNoRandomization},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			kall, raw := kallsymsTable(t, tc.dir)
			link := systemMapTable(t, tc.sysmap)
			ks, _ := kall.Anchor("_stext")
			ls, _ := link.Anchor("_stext")
			wantOffset := ks - ls
			r := rawify(readTestdata(t, tc.dir+"/console.log"), symbolIndex(raw))
			log := strings.Join(r.in, "\n") + "\n"
			truth, _, _ := run(t, kall, Options{}, log, false)
			for _, prescan := range []bool{true, false} {
				got, verdicts, stats := run(t, link, Options{LinkTime: true}, log, prescan)
				last := verdicts[len(verdicts)-1]
				if last.Offset != wantOffset || last.Source != tc.source || !last.Trusted || len(last.Problems) > 0 {
					t.Errorf("prescan %v: verdict %v, want offset %#x %v", prescan, last, wantOffset, tc.source)
				}
				if !prescan {
					// From a pipe, the reports that end before the
					// "Kernel Offset:" line get no names; none wrong.
					compareNoWrongNames(t, got, truth)
					continue
				}
				if n := compareWithKallsyms(t, got, truth); n == 0 || stats.Withheld > 0 {
					t.Errorf("prescan %v: %d core addresses compared, %d withheld", prescan, n, stats.Withheld)
				}
			}
		})
	}
}

// TestI386OffsetNotTrusted: a real i386 kernel runs randomized (here by
// 0x1d000000) while its log says "Kernel Offset: disabled". With the
// System.map and nothing else, the offset is unknown: no names, and the
// verdict says why. Given the offset, the names are the boot's kallsyms'.
func TestI386OffsetNotTrusted(t *testing.T) {
	const dir = "i386-module-oops"
	kall, raw := kallsymsTable(t, dir)
	link := systemMapTable(t, "System.map-6.1.0-50-686")
	r := rawify(readTestdata(t, dir+"/console.log"), symbolIndex(raw))
	log := strings.Join(r.in, "\n") + "\n"
	for _, prescan := range []bool{true, false} {
		got, verdicts, stats := run(t, link, Options{LinkTime: true}, log, prescan)
		v := verdicts[len(verdicts)-1]
		if v.Source != OffsetUnknown || v.Trusted || len(v.Notes) == 0 || !strings.Contains(v.Notes[0], "Kernel Offset: disabled") {
			t.Errorf("prescan %v: verdict %v", prescan, v)
		}
		if got != log || stats.Withheld == 0 {
			t.Errorf("prescan %v: names printed without a known offset (%d withheld)", prescan, stats.Withheld)
		}
	}
	ks, _ := kall.Anchor("_stext")
	ls, _ := link.Anchor("_stext")
	if ks-ls != 0x1d000000 {
		t.Fatalf("the capture's offset is %#x", ks-ls)
	}
	truth, _, _ := run(t, kall, Options{}, log, false)
	got, verdicts, _ := run(t, link, Options{LinkTime: true, Offset: ks - ls, OffsetSet: true}, log, true)
	if v := verdicts[len(verdicts)-1]; v.Source != OffsetUser || !v.Trusted {
		t.Errorf("with the offset: %v", v)
	}
	if compareWithKallsyms(t, got, truth) == 0 {
		t.Error("no core address compared")
	}
}

// TestOffsetFromPairs infers the offset from addresses printed with their
// symbols, the form of older kernels' traces ("[<ffffffff8e6c1a2b>]
// vfs_write+0xc7/0x3f0"), made from the real KASLR boot's frames and its
// kallsyms. The pairs win over a "Kernel Offset:" line that contradicts
// them, with a note; and they disagree with a table of another build.
func TestOffsetFromPairs(t *testing.T) {
	const dir = "x86_64-kaslr-sysrq-panic"
	kall, _ := kallsymsTable(t, dir)
	link := systemMapTable(t, "System.map-6.1.0-56-amd64")
	var pairs strings.Builder
	for _, f := range []string{"vfs_write", "ksys_write", "do_syscall_64", "proc_reg_write"} {
		l := kall.LookupName(f, "")
		if len(l) != 1 {
			t.Fatalf("%s: %v", f, l)
		}
		fmt.Fprintf(&pairs, "[   28.8] [<%x>] %s+0x10/%#x\n", l[0].Start+0x10, f, l[0].Size)
	}
	raw := fmt.Sprintf("[   28.9] [<%x>]\n", kall.LookupName("ksys_read", "")[0].Start+5)
	log := "[    0.0] Linux version 6.1.0-56-amd64 (x) #1\n[   28.7] Call Trace:\n" + pairs.String() + raw
	got, verdicts, _ := run(t, link, Options{LinkTime: true}, log, true)
	v := verdicts[len(verdicts)-1]
	if v.Source != OffsetPairs || v.Offset != 0xd400000 || v.Pairs != 4 || !v.Trusted {
		t.Errorf("verdict %v", v)
	}
	if !strings.Contains(got, ">] ksys_read+0x5/") {
		t.Errorf("the raw address was not resolved at the inferred offset:\n%s", got)
	}

	lying := log + "[   29.0] Kernel Offset: 0x1c000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n"
	_, verdicts, _ = run(t, link, Options{LinkTime: true}, lying, true)
	v = verdicts[len(verdicts)-1]
	if v.Source != OffsetPairs || v.Offset != 0xd400000 || len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "0x1c000000") {
		t.Errorf("a contradicted Kernel Offset line: %v", v)
	}

	// The same pairs against another build's System.map: its sizes
	// differ, nothing is inferred, and no name is printed.
	other := systemMapTable(t, "System.map-6.1.192-nokallsyms")
	got, verdicts, _ = run(t, other, Options{LinkTime: true}, strings.Replace(log, "6.1.0-56-amd64", "6.1.192-nokallsyms", 1), true)
	v = verdicts[len(verdicts)-1]
	if v.Trusted || len(v.Problems) == 0 || strings.Contains(got, "ksys_read+") {
		t.Errorf("another build: %v\n%s", v, got)
	}
}

// TestAnotherBoot gives a log the kallsyms of another boot of the same
// kernel: the x86_64 KASLR panic's log with the kallsyms of the nokaslr
// boot. The "Kernel Offset:" line says where the log's kernel ran; the
// table's kernel is elsewhere, so every name is withheld, from the first
// line of a prescanned file.
func TestAnotherBoot(t *testing.T) {
	right, raw := kallsymsTable(t, "x86_64-kaslr-sysrq-panic")
	wrong, _ := kallsymsTable(t, "x86_64-nokaslr-module-oops")
	r := rawify(readTestdata(t, "x86_64-kaslr-sysrq-panic/console.log"), symbolIndex(raw))
	log := strings.Join(r.in, "\n") + "\n"
	if got, verdicts, _ := run(t, right, Options{}, log, true); !verdicts[len(verdicts)-1].Trusted || got == log {
		t.Fatalf("the right kallsyms: %v", verdicts)
	}
	got, verdicts, stats := run(t, wrong, Options{}, log, true)
	v := verdicts[len(verdicts)-1]
	if v.Trusted || len(v.Problems) == 0 || !strings.Contains(v.Problems[0], "0xffffffff8e400000") {
		t.Errorf("verdict %v", v)
	}
	if got != log || stats.Withheld == 0 {
		t.Errorf("names from another boot printed (%d withheld)", stats.Withheld)
	}
	// Forced, the table is used, and the verdict still says why not.
	_, verdicts, _ = run(t, wrong, Options{Force: true}, log, true)
	if v := verdicts[len(verdicts)-1]; !v.Trusted || len(v.Problems) == 0 {
		t.Errorf("forced: %v", v)
	}
}

// TestLiveKernel: with the running kernel's table, a log of an earlier
// boot is told apart: by a later banner in the log, by its release, or by
// timestamps beyond the running kernel's uptime.
func TestLiveKernel(t *testing.T) {
	tab, _ := kallsymsTable(t, "x86_64-nokaslr-module-oops")
	log := string(readTestdata(t, "x86_64-nokaslr-module-oops/console.log"))
	for _, tc := range []struct {
		name    string
		live    LiveKernel
		log     string
		trusted []bool
	}{
		{"this boot", LiveKernel{Release: "6.1.0-56-amd64", Uptime: 600}, log, []bool{true}},
		{"other release", LiveKernel{Release: "6.1.0-57-amd64", Uptime: 600}, log, []bool{false}},
		{"longer than uptime", LiveKernel{Release: "6.1.0-56-amd64", Uptime: 5}, log, []bool{false}},
		{"two boots", LiveKernel{Release: "6.1.0-56-amd64", Uptime: 600}, log + log, []bool{false, true}},
	} {
		_, verdicts, _ := run(t, tab, Options{Live: &tc.live}, tc.log, true)
		var trusted []bool
		for _, v := range verdicts {
			if v.Boot > 0 {
				trusted = append(trusted, v.Trusted)
			}
		}
		if !slices.Equal(trusted, tc.trusted) {
			t.Errorf("%s: trusted %v, want %v: %v", tc.name, trusted, tc.trusted, verdicts)
		}
	}
}

// TestTwoBootsTwoOffsets concatenates the KASLR boot and the nokaslr boot
// of the same kernel: each gets its own offset.
func TestTwoBootsTwoOffsets(t *testing.T) {
	link := systemMapTable(t, "System.map-6.1.0-56-amd64")
	log := string(readTestdata(t, "x86_64-kaslr-sysrq-panic/console.log")) + string(readTestdata(t, "x86_64-nokaslr-module-oops/console.log"))
	for _, prescan := range []bool{true, false} {
		_, verdicts, _ := run(t, link, Options{LinkTime: true}, log, prescan)
		var got []string
		for _, v := range verdicts {
			if v.Boot > 0 {
				got = append(got, fmt.Sprintf("%#x %v", v.Offset, v.Trusted))
			}
		}
		if want := []string{"0xd400000 true", "0x0 true"}; !slices.Equal(got, want) {
			t.Errorf("prescan %v: %v, want %v", prescan, got, want)
		}
	}
}

// TestReleaseMismatch: a System.map named for another release than the
// log's kernel gives no names.
func TestReleaseMismatch(t *testing.T) {
	link := systemMapTable(t, "System.map-6.1.0-56-amd64")
	log := string(readTestdata(t, "x86_64-nokallsyms-nokaslr-module-oops/console.log"))
	got, verdicts, _ := run(t, link, Options{LinkTime: true, TableRelease: "6.1.0-56-amd64"}, log, true)
	v := verdicts[len(verdicts)-1]
	if v.Trusted || got != log {
		t.Errorf("verdict %v; output changed: %v", v, got != log)
	}
	if !strings.Contains(strings.Join(v.Problems, ";"), "6.1.192-nokallsyms") {
		t.Errorf("problems %q", v.Problems)
	}
}

// TestHoldIsBounded: a report that never ends is held for MaxHold lines at
// most, then streams, and nothing is lost or reordered.
func TestHoldIsBounded(t *testing.T) {
	link := systemMapTable(t, "System.map-6.1.0-56-amd64")
	var log strings.Builder
	log.WriteString("[    1.0] BUG: kernel NULL pointer dereference, address: 0000000000000008\n")
	for i := range 100 {
		fmt.Fprintf(&log, "[    1.%d]  0xffffffff8e6c1a2b\n", i)
	}
	var verdicts []Verdict
	a := New(link, Options{LinkTime: true, MaxHold: 10, OnVerdict: func(v Verdict) { verdicts = append(verdicts, v) }})
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := a.Stream(w, strings.NewReader(log.String())); err != nil {
		t.Fatal(err)
	}
	if out.String() != log.String() {
		t.Error("output differs from input")
	}
	if a.Stats().HoldsCut != 1 {
		t.Errorf("%d holds cut", a.Stats().HoldsCut)
	}
	if len(verdicts) == 0 || verdicts[0].Source != OffsetUnknown {
		t.Errorf("verdicts %v", verdicts)
	}
	if a.hold.active() || cap(a.hold.lines) > 20 {
		t.Errorf("held %d lines (capacity %d)", len(a.hold.lines), cap(a.hold.lines))
	}
}

func TestFactsOfRealLogs(t *testing.T) {
	// Every real log has its banner and release; the KASLR ones their
	// offsets.
	for dir, want := range map[string]parse.Fact{
		"x86_64-kaslr-sysrq-panic": {Kind: parse.FactOffset, Offset: 0xd400000, Base: 0xffffffff81000000},
		"arm64-kaslr-module-oops":  {Kind: parse.FactOffset, Offset: 0x4fc6a2000000, Base: 0xffff800008000000},
		"i386-module-oops":         {Kind: parse.FactOffsetDisabled},
	} {
		var got parse.Fact
		banners := 0
		for _, line := range strings.Split(string(readTestdata(t, dir+"/console.log")), "\n") {
			f := parse.LineFact([]byte(strings.TrimRight(line, "\r")))
			switch f.Kind {
			case parse.FactOffset, parse.FactOffsetDisabled:
				got = f
			case parse.FactBanner:
				banners++
			}
		}
		if got != want || banners != 1 {
			t.Errorf("%s: %+v, %d banners", dir, got, banners)
		}
	}
}

func modulesMap(t *testing.T, dir string) *symbolize.ModuleMap {
	t.Helper()
	m, err := symbolize.ParseModules(bytes.NewReader(readTestdata(t, dir+"/modules.txt")), dir+"/modules.txt")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModuleRegions: with a System.map, which has no modules, and the
// boot's saved /proc/modules, module addresses get their module and
// offset, "[oopsdemo+0x1c8]", like klogd's; core addresses their names.
func TestModuleRegions(t *testing.T) {
	const dir = "x86_64-nokaslr-module-oops"
	kall, raw := kallsymsTable(t, dir)
	mods := modulesMap(t, dir)
	r := rawify(readTestdata(t, dir+"/console.log"), symbolIndex(raw))
	log := strings.Join(r.in, "\n") + "\n"
	got, _, stats := run(t, systemMapTable(t, "System.map-6.1.0-56-amd64"), Options{LinkTime: true, Modules: mods}, log, true)
	want := 0
	for i, line := range strings.Split(got, "\n") {
		for _, m := range regexp.MustCompile(`0x([0-9a-f]{16}) \[([\w]+)\+0x([0-9a-f]+)\]`).FindAllStringSubmatch(line, -1) {
			var addr, off uint64
			fmt.Sscanf(m[1], "%x", &addr)
			fmt.Sscanf(m[3], "%x", &off)
			loc, ok := kall.Lookup(addr)
			mod, _, _ := mods.Lookup(addr)
			if !ok || loc.Module != m[2] || addr-mod.Base != off {
				t.Errorf("line %d: %s is %v in kallsyms", i+1, m[0], loc)
			}
			want++
		}
	}
	if want == 0 || stats.InModules != int64(want) {
		t.Errorf("%d module addresses annotated, stats say %d", want, stats.InModules)
	}
}

// TestUnloadedModule: the i386 boot unloaded oopsdemo_uaf while its thread
// ran on, and the thread's fault has "EIP: 0xf742f012". A kallsyms read
// after the unload has no symbol there; the log's "[last unloaded:
// oopsdemo_uaf(OE)]" says what was probably there, and the annotation
// says no more than that.
func TestUnloadedModule(t *testing.T) {
	const dir = "i386-module-oops"
	var after bytes.Buffer
	for _, line := range strings.SplitAfter(string(readTestdata(t, dir+"/kallsyms.txt.xz")), "\n") {
		if !strings.Contains(line, "[oopsdemo_uaf]") {
			after.WriteString(line)
		}
	}
	tab, err := symbolize.ParseKallsyms(&after, "kallsyms after rmmod")
	if err != nil {
		t.Fatal(err)
	}
	log := string(readTestdata(t, dir+"/console.log"))
	got, _, _ := run(t, tab, Options{}, log, true)
	if !strings.Contains(got, "EIP: 0xf742f012 [in unloaded module oopsdemo_uaf?]\r\n") {
		t.Errorf("the unloaded module's address is not marked:\n%s", got)
	}
	if strings.Contains(got, "oopsdemo_uaf?] [") {
		t.Error("marked twice")
	}
	// Idempotent: a second run adds nothing.
	if again, _, _ := run(t, tab, Options{}, got, true); again != got {
		t.Error("a second run changed the output")
	}
	// The kallsyms read before the unload names the function.
	before, _ := kallsymsTable(t, dir)
	if got, _, _ := run(t, before, Options{}, log, true); !strings.Contains(got, "EIP: 0xf742f012 oopsdemo_uaf_nap+0x12/0x30 [oopsdemo_uaf]") {
		t.Error("the kallsyms of before the unload does not resolve the address")
	}
}

// TestCodeListingAddresses: the listing after a real x86_64 Code: line
// puts the trapping instruction at the address of the RIP the kernel
// printed as a symbol (oopsdemo_level3+0x51/0xfe [oopsdemo]), found
// through the boot's kallsyms, and names call targets.
func TestCodeListingAddresses(t *testing.T) {
	const dir = "x86_64-nokaslr-module-oops"
	tab, _ := kallsymsTable(t, dir)
	log := string(readTestdata(t, dir+"/console.log"))
	got, _, stats := run(t, tab, Options{Code: true}, log, true)
	if stats.CodeListings == 0 {
		t.Fatal("no listing")
	}
	lines := strings.Split(got, "\n")
	checked := 0
	for i, l := range lines {
		m := regexp.MustCompile(`RIP: 0010:(\w+)\+0x([0-9a-f]+)/0x([0-9a-f]+) \[(\w+)\]`).FindStringSubmatch(l)
		if m == nil || i+1 >= len(lines) || !strings.Contains(lines[i+1], "Code: ") {
			continue
		}
		var off uint64
		fmt.Sscanf(m[2], "%x", &off)
		fn := tab.LookupName(m[1], m[4])
		if len(fn) != 1 {
			t.Fatalf("%s: %v", m[1], fn)
		}
		want := fmt.Sprintf("* %x:", fn[0].Start+off)
		found := false
		for _, ll := range lines[i+2:] {
			if !strings.HasPrefix(ll, disasm.Marker) {
				break
			}
			found = found || strings.Contains(ll, want) && strings.Contains(ll, "<-- trapping instruction")
		}
		if !found {
			t.Errorf("line %d: no trapping instruction at %s after\n%s", i+1, want, strings.Join(lines[i:min(len(lines), i+30)], "\n"))
		}
		checked++
	}
	if checked == 0 {
		t.Error("no RIP/Code: pair checked")
	}
	if !strings.Contains(got, "call   ffffffff") || !strings.Contains(got, "<_printk+") {
		t.Error("call targets are not named")
	}
}
