package srcline

import "testing"

func TestStripPath(t *testing.T) {
	for _, c := range []struct {
		strip         []string
		path, compDir string
		want          string
	}{
		// Debian's vmlinux: C files inside the (relative) build directory.
		{nil, "debian/build/build_amd64_none_amd64/kernel/module/main.c", "debian/build/build_amd64_none_amd64", "kernel/module/main.c"},
		// Its assembly names the source tree beside the build directory.
		{nil, "/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S",
			"/build/reproducible-path/linux-6.1.192/debian/build/build_amd64_none_amd64", "arch/x86/entry/entry_64.S"},
		// An in-tree build.
		{nil, "/usr/src/linux-source-6.1/./arch/x86/include/asm/atomic.h", "/usr/src/linux-source-6.1", "arch/x86/include/asm/atomic.h"},
		// An external module's source stays whole, as its WARN lines print it.
		{nil, "/usr/src/oopsdemo-1.0/oopsdemo.c", "/usr/src/linux-headers-6.1.0-56-amd64", "/usr/src/oopsdemo-1.0/oopsdemo.c"},
		{nil, "/usr/src/oopsdemo-1.0/oopsdemo.c", "", "/usr/src/oopsdemo-1.0/oopsdemo.c"},
		{nil, "/home/me/linux/fs/open.c", "/", "/home/me/linux/fs/open.c"},
		// Explicit prefixes, and none.
		{[]string{"/build/reproducible-path/"}, "/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S", "x", "linux-6.1.192/arch/x86/entry/entry_64.S"},
		{[]string{"/nope", "/usr/src"}, "/usr/src/oopsdemo-1.0/oopsdemo.c", "x", "oopsdemo-1.0/oopsdemo.c"},
		{[]string{}, "debian/build/b/kernel/fork.c", "debian/build/b", "debian/build/b/kernel/fork.c"},
		{[]string{"/usr/src"}, "/usr/srcfoo/a.c", "", "/usr/srcfoo/a.c"},
	} {
		f := &File{strip: c.strip}
		if got := f.stripPath(c.path, c.compDir); got != c.want {
			t.Errorf("strip %q from %s (comp_dir %s): %s, want %s", c.strip, c.path, c.compDir, got, c.want)
		}
	}
}

func TestFullPath(t *testing.T) {
	for _, c := range []struct{ p, dir, want string }{
		{"kernel/entry/kvm.c", "debian/build/b", "debian/build/b/kernel/entry/kvm.c"},
		{"debian/build/b/kernel/module/main.c", "debian/build/b", "debian/build/b/kernel/module/main.c"},
		{"/usr/src/oopsdemo-1.0/oopsdemo.c", "/usr/src/linux-headers", "/usr/src/oopsdemo-1.0/oopsdemo.c"},
		{"fs/open.c", "", "fs/open.c"},
	} {
		if got := fullPath(c.p, c.dir); got != c.want {
			t.Errorf("fullPath(%s, %s) = %s, want %s", c.p, c.dir, got, c.want)
		}
	}
}
