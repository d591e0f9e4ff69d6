package annotate

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
	"github.com/ksymoops-go/ksymoops-go/symbolize/srcline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// moduleLines returns a LineResolver for the oopsdemo modules of arch,
// placed by the scenario's module-sections.txt, without a vmlinux.
func moduleLines(t *testing.T, scenario, arch string) *srcline.Set {
	t.Helper()
	layouts, err := srcline.ParseModuleSections(bytes.NewReader(readTestdata(t, scenario+"/module-sections.txt")), scenario)
	if err != nil {
		t.Fatal(err)
	}
	set := srcline.NewSet(nil, 0, func(mod string) (*srcline.File, error) {
		l := layouts[mod]
		if l == nil {
			return nil, srcline.ErrNoModuleFile
		}
		f, err := srcline.NewFile(bytes.NewReader(readTestdata(t, "modules/"+arch+"/"+mod+".ko.xz")), mod+".ko", srcline.Options{Sections: l.Sections})
		if err != nil {
			return nil, err
		}
		return f, srcline.CheckBuildID(f, l.BuildID)
	})
	t.Cleanup(func() { set.Close() })
	return set
}

// lineScenarios are real logs with the modules of their boots: the
// kernel printed the module frames' symbols itself (kallsyms), or printed
// raw addresses (the kallsyms-less kernel, with a table from its
// System.map and the module's symbols placed by the sections dump).
var lineScenarios = []struct {
	dir, arch string
}{
	{"x86_64-nokaslr-module-oops", "amd64"},
	{"arm64-kaslr-module-oops", "arm64"},
	{"x86_64-nokallsyms-nokaslr-module-oops", "nokallsyms"},
}

func lineTable(t *testing.T, dir, arch string) *symbolize.Table {
	t.Helper()
	if arch != "nokallsyms" {
		tab, _ := kallsymsTable(t, dir)
		return tab
	}
	const sysmap = "maps/System.map-6.1.192-nokallsyms.xz"
	tab, err := symbolize.ParseSystemMap(bytes.NewReader(readTestdata(t, sysmap)), sysmap)
	if err != nil {
		t.Fatal(err)
	}
	layouts, err := srcline.ParseModuleSections(bytes.NewReader(readTestdata(t, dir+"/module-sections.txt")), dir)
	if err != nil {
		t.Fatal(err)
	}
	for mod, l := range layouts {
		syms, err := symbolize.ModuleSymbols(bytes.NewReader(readTestdata(t, "modules/nokallsyms/"+mod+".ko.xz")), mod+".ko", mod, l.Sections)
		if err != nil {
			t.Fatal(err)
		}
		tab = tab.WithModule(mod, syms)
	}
	return tab
}

func annotateWith(t *testing.T, tab *symbolize.Table, opts Options, in []byte) ([]byte, *Annotator) {
	t.Helper()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	a := New(tab, opts)
	if err := a.Stream(w, bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), a
}

// sourceInsertion is what source lines add after a symbol: the location,
// and in compact mode the inlined functions.
var sourceInsertion = regexp.MustCompile(` \((?:[^ ()]+:\d+|\?\?)\)(?: \[inline: [^\]]*\])?`)

// stripSources removes the lines and texts source lines insert: the
// lines holding InlineMarker and a function with its location, and the
// " (file:line)" right after a symbol (whose hex the parser reads in
// either case).
func stripSources(out []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.SplitAfter(out, []byte("\n")) {
		if inlineLine.Match(l) {
			continue
		}
		b.Write(sourceAfterSymbol.ReplaceAll(l, []byte("$1")))
	}
	return b.Bytes()
}

var (
	inlineLine        = regexp.MustCompile(`^[^\n]*?` + regexp.QuoteMeta(InlineMarker) + `\S+ \((?:[^ ()]+:\d+|\?\?)\)\r?\n$`)
	sourceAfterSymbol = regexp.MustCompile(`(\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+(?: \[[\w-]+(?: [^\]]*)?\])?)` + sourceInsertion.String())
)

// TestSourceLines annotates real logs with their modules' DWARF in both
// inline modes and checks: the output is the plain annotation plus
// source lines only (stripping them gives the plain output back, byte for
// byte); a second run changes nothing; every module frame got a line; and
// the result equals the golden file.
func TestSourceLines(t *testing.T) {
	for _, sc := range lineScenarios {
		t.Run(sc.dir, func(t *testing.T) {
			tab := lineTable(t, sc.dir, sc.arch)
			in := readTestdata(t, sc.dir+"/console.log")
			plain, _ := annotateWith(t, tab, Options{}, in)
			for _, mode := range []InlineMode{InlineLines, InlineCompact} {
				opts := Options{Lines: &LineOptions{Resolver: moduleLines(t, sc.dir, sc.arch), Inline: mode}}
				out, a := annotateWith(t, tab, opts, in)
				st := a.SourceStats()
				if st.Errors > 0 {
					t.Errorf("%d lookup errors: %v", st.Errors, st.First)
				}
				if got := stripSources(out); !bytes.Equal(got, plain) {
					t.Errorf("mode %d: removing the source lines does not give the plain annotation back", mode)
					diffLines(t, got, plain)
				}
				if again, _ := annotateWith(t, tab, opts, out); !bytes.Equal(again, out) {
					t.Errorf("mode %d: a second run changed the output", mode)
					diffLines(t, again, out)
				}
				frames := strings.Count(string(plain), " [oopsdemo]")
				withLines := len(regexp.MustCompile(`\[oopsdemo\] \(/usr/src/oopsdemo-1.0/oopsdemo.c:\d+\)`).FindAll(out, -1))
				t.Logf("mode %d: %d frames given lines, %d of %d oopsdemo symbols", mode, st.Frames, withLines, frames)
				if withLines == 0 || withLines < frames-2 {
					t.Errorf("mode %d: only %d of %d module frames have a source line", mode, withLines, frames)
				}
				if mode == InlineLines {
					compareGolden(t, filepath.Join("testdata", sc.dir+".lines.golden"), out)
				}
			}
		})
	}
}

func diffLines(t *testing.T, got, want []byte) {
	t.Helper()
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Errorf("first difference, line %d:\n got  %q\n want %q", i+1, g[i], w[i])
			return
		}
	}
	t.Errorf("%d lines, want %d", len(g), len(w))
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	testfiles.Golden(t, file, got, *update)
}

// TestInlineLineFormat checks the two inline forms on a made-up chain.
func TestInlineLineFormat(t *testing.T) {
	res := fakeLines{{Func: "arch_atomic_add_return", File: "arch/x86/include/asm/atomic.h", Line: 165},
		{Func: "unuse_pde", File: "fs/proc/inode.c", Line: 211}, {Func: "proc_reg_write", File: "fs/proc/inode.c", Line: 353}}
	tab := fuzzTable(t)
	in := "[    4.579878]  0xffffffff81000075\r\n"
	for mode, want := range map[InlineMode]string{
		InlineLines: "[    4.579878]  [inline] arch_atomic_add_return (arch/x86/include/asm/atomic.h:165)\r\n" +
			"[    4.579878]  [inline] unuse_pde (fs/proc/inode.c:211)\r\n" +
			"[    4.579878]  0xffffffff81000075 secondary_startup_64+0x5/0x5 (fs/proc/inode.c:353)\r\n",
		InlineCompact: "[    4.579878]  0xffffffff81000075 secondary_startup_64+0x5/0x5 (fs/proc/inode.c:353)" +
			" [inline: arch_atomic_add_return arch/x86/include/asm/atomic.h:165, unuse_pde fs/proc/inode.c:211]\r\n",
	} {
		out, _ := annotateWith(t, tab, Options{Lines: &LineOptions{Resolver: res, Inline: mode}}, []byte(in))
		if string(out) != want {
			t.Errorf("mode %d:\n got  %q\n want %q", mode, out, want)
		}
	}
}

// fakeLines answers every address with the same chain.
type fakeLines []srcline.Frame

func (f fakeLines) Frames(uint64, string) ([]srcline.Frame, error) { return f, nil }

// TestPrintedBuildID checks a module's build id printed in the log
// (CONFIG_STACKTRACE_BUILD_ID: "[oopsdemo ad113cab...]") against its
// file: the boot's own module gives lines, another build none and an
// error.
func TestPrintedBuildID(t *testing.T) {
	tab, _ := kallsymsTable(t, "x86_64-nokaslr-module-oops")
	const frame = "[   13.082893]  oopsdemo_level2+0xa/0x1d [oopsdemo %s]\n"
	for _, c := range []struct {
		id    string
		lines bool
	}{
		{"ad113cab855fe66641b2204a1da172fa8f336f72", true},
		{"b31b2967aa", false},
	} {
		in := strings.Repeat(fmt.Sprintf(frame, c.id), 2)
		out, a := annotateWith(t, tab, Options{Lines: &LineOptions{Resolver: moduleLines(t, "x86_64-nokaslr-module-oops", "amd64")}}, []byte(in))
		st := a.SourceStats()
		want := in
		if c.lines {
			want = strings.ReplaceAll(in, "]\n", "] (/usr/src/oopsdemo-1.0/oopsdemo.c:69)\n")
		}
		if string(out) != want || (st.First == nil) == !c.lines {
			t.Errorf("build id %s: %q, error %v", c.id, out, st.First)
		}
		if !c.lines && !strings.Contains(fmt.Sprint(st.First), "another build") {
			t.Errorf("build id %s: error %v", c.id, st.First)
		}
	}
}

// coreAndModules answers module addresses from the real modules and core
// ones with a made-up inline chain.
type coreAndModules struct {
	mods *srcline.Set
	core fakeLines
}

func (c coreAndModules) Frames(addr uint64, module string) ([]srcline.Frame, error) {
	if module == "" {
		return c.core, nil
	}
	return c.mods.Frames(addr, module)
}

// FuzzAnnotateLines: with source lines, whatever the input, taking out
// what source lines insert gives the plain annotation (both read without
// text shaped like source lines), and a second run changes nothing.
func FuzzAnnotateLines(f *testing.F) {
	for _, s := range []string{
		"[   13.082893]  oopsdemo_level2+0xa/0x1d [oopsdemo]\n",
		"[   13.079393] RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]\r\n",
		"[    4.579878]  ? 0xffffffff81000075\n[    4.579878]  vfs_write+0xc7/0x3f0\n",
		"[   13.082893]  oopsdemo_level2+0xa/0x1d [oopsdemo ad113cab855fe66641b2204a1da172fa8f336f72]\n",
		"pc : [<ffffffffc02010bd>] lr : [<ffffffffc020110e>]\n",
	} {
		f.Add([]byte(s))
	}
	tab := fuzzTable(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		res := coreAndModules{mods: moduleLines(t, "x86_64-nokaslr-module-oops", "amd64"),
			core: fakeLines{{Func: "inner", File: "a/b.h", Line: 1}, {Func: "outer", File: "c.c", Line: 2}}}
		for _, mode := range []InlineMode{InlineLines, InlineCompact} {
			opts := Options{Lines: &LineOptions{Resolver: res, Inline: mode}}
			out, _ := annotateWith(t, tab, opts, in)
			plain, _ := annotateWith(t, tab, Options{}, in)
			if !bytes.Equal(stripSources(out), stripSources(plain)) {
				t.Fatalf("mode %d: not the plain annotation plus source lines:\n in    %q\n out   %q\n plain %q", mode, in, out, plain)
			}
			if again, _ := annotateWith(t, tab, opts, out); !bytes.Equal(again, out) {
				t.Fatalf("mode %d: not idempotent:\n out   %q\n again %q", mode, out, again)
			}
		}
	})
}
