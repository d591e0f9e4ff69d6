package disasm_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

func Example() {
	// Lines of a real System.map (6.1.192 built without kallsyms).
	table, err := symbolize.ParseSystemMap(strings.NewReader(`ffffffff81000000 T _stext
ffffffff81840b20 T strcmp
ffffffff81840b50 T strncmp
ffffffff818579f6 T _printk
ffffffff81857a74 t devkmsg_release.cold
ffffffff82a30000 B _end
`), "System.map")
	if err != nil {
		panic(err)
	}
	// Lines of that kernel's console: the oops's IP and its Code: line.
	rip := "[    5.603533] RIP: 0010:0xffffffffc00000d1"
	line := "[    5.603533] Code: fe 48 89 fb 48 c7 c7 58 10 00 c0 e8 3f 79 85 c1 48 c7 c6 e7 10 00 c0 48 89 df e8 5a 0a 84 c1 85 c0 75 13 48 8b 05 87 22 00 00 <c7> 40 10 2a 00 00 00 e9 aa 00 00 00 48 c7 c6 ec 10 00 c0 48 89 df"

	// The report says x86 and, with RIP, 64-bit code.
	bits, _ := disasm.X86Bits([]byte(rip))
	m := disasm.Machine{Arch: parse.ArchX86, Bits: bits}
	start, ok := disasm.FindCode([]byte(line))
	if !ok {
		return
	}
	code, err := disasm.ParseCode([]byte(line[start:]))
	if err != nil {
		return // "Bad RIP value." and the like: leave the line alone
	}
	named := func(addr uint64) (string, bool) {
		loc, ok := table.Lookup(addr)
		return loc.String(), ok
	}
	insns, err := code.Disassemble(m, 0xffffffffc00000d1, named)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(disasm.AppendListing(nil, m, insns, nil))
	fmt.Println(disasm.IsListingLine([]byte(line)))
	// Output:
	// Code| x86-64 disassembly of the Code: line above; * marks the trapping instruction
	// Code|   ffffffffc00000a7:  fe 48 89              decb   -0x77(%rax)
	// Code|   ffffffffc00000aa:  fb                    sti
	// Code|   ffffffffc00000ab:  48 c7 c7 58 10 00 c0  mov    $0xffffffffc0001058,%rdi
	// Code|   ffffffffc00000b2:  e8 3f 79 85 c1        call   ffffffff818579f6 <_printk+0x0/0x7e>
	// Code|   ffffffffc00000b7:  48 c7 c6 e7 10 00 c0  mov    $0xffffffffc00010e7,%rsi
	// Code|   ffffffffc00000be:  48 89 df              mov    %rbx,%rdi
	// Code|   ffffffffc00000c1:  e8 5a 0a 84 c1        call   ffffffff81840b20 <strcmp+0x0/0x30>
	// Code|   ffffffffc00000c6:  85 c0                 test   %eax,%eax
	// Code|   ffffffffc00000c8:  75 13                 jne    ffffffffc00000dd
	// Code|   ffffffffc00000ca:  48 8b 05 87 22 00 00  mov    0x2287(%rip),%rax        # ffffffffc0002358
	// Code| * ffffffffc00000d1:  c7 40 10 2a 00 00 00  movl   $0x2a,0x10(%rax)  <-- trapping instruction
	// Code|   ffffffffc00000d8:  e9 aa 00 00 00        jmp    ffffffffc0000187
	// Code|   ffffffffc00000dd:  48 c7 c6 ec 10 00 c0  mov    $0xffffffffc00010ec,%rsi
	// Code|   ffffffffc00000e4:  48 89 df              mov    %rbx,%rdi
	// false
}
