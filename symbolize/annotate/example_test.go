package annotate_test

import (
	"bufio"
	"os"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

func ExampleAnnotator_Stream() {
	// Lines of a real System.map (6.1.192 built without kallsyms).
	table, err := symbolize.ParseSystemMap(strings.NewReader(`ffffffff81000000 T _stext
ffffffff8122a2f0 T vfs_write
ffffffff8122a6d0 T ksys_read
ffffffff8122a7b0 T __x64_sys_read
ffffffff82a30000 B _end
`), "System.map")
	if err != nil {
		panic(err)
	}
	// Lines of that kernel's console: a call trace it could not name.
	log := "[    4.579878] Call Trace:\n[    4.579878]  0xffffffff8122a3b2\n[    4.583136] RIP: 0033:0x000000000047b7a0\n"
	out := bufio.NewWriter(os.Stdout)
	if err := annotate.New(table, annotate.Options{}).Stream(out, strings.NewReader(log)); err != nil {
		panic(err)
	}
	// Output:
	// [    4.579878] Call Trace:
	// [    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0
	// [    4.583136] RIP: 0033:0x000000000047b7a0
}
