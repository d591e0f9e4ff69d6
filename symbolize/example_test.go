package symbolize_test

import (
	"fmt"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// Lines of a real /proc/kallsyms (Debian 6.1 x86_64, booted with nokaslr).
const kallsyms = `ffffffff81000000 T startup_64
ffffffff81000000 T _stext
ffffffff81000060 T secondary_startup_64
ffffffff84430000 B _end
ffffffffc02010bd t oopsdemo_level3	[oopsdemo]
ffffffffc02011bb t oopsdemo_level2	[oopsdemo]
ffffffffc02011d8 t oopsdemo_level1	[oopsdemo]
ffffffffc0201000 t oopsdemo_write	[oopsdemo]
ffffffffc02011f5 t oopsdemo_exit	[oopsdemo]
`

func ExampleParseKallsyms() {
	table, err := symbolize.ParseKallsyms(strings.NewReader(kallsyms), "kallsyms.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	// The faulting instruction pointer, as for %pS.
	if loc, ok := table.Lookup(0xffffffffc020110e); ok {
		fmt.Println(loc)
	}
	// A call-trace entry is a return address, as for %pB.
	if loc, ok := table.LookupReturn(0xffffffffc02011c5); ok {
		fmt.Println(loc)
	}
	// User space is never resolved.
	_, ok := table.Lookup(0x47b7a0)
	fmt.Println(ok)
	// Output:
	// oopsdemo_level3+0x51/0xfe [oopsdemo]
	// oopsdemo_level2+0xa/0x1d [oopsdemo]
	// false
}
