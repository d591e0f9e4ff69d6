package input_test

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ksymoops-go/ksymoops-go/parse/input"
)

// Records saved from /dev/kmsg come out as dmesg prints them; the format
// is told by the first line.
func ExampleNewReader() {
	records := "6,339,1731716,-;Run /init as init process\n" +
		"4,358,2628589,-;Unstable clock detected\\x0aIf you want to keep using the local clock\n" +
		" SUBSYSTEM=acpi\n"
	r := input.NewReader(strings.NewReader(records), input.Auto)
	text, _ := io.ReadAll(r)
	fmt.Printf("%s%v, %d records\n", text, r.Format(), r.Stats().Records)
	// Output:
	// [    1.731716] Run /init as init process
	// [    2.628589] Unstable clock detected
	// [    2.628589] If you want to keep using the local clock
	// kmsg, 2 records
}

// The parts of pstore dumps, in any order, come out in the order they were
// logged.
func ExamplePstoreSet() {
	var set input.PstoreSet
	for _, file := range []string{
		"Panic#2 Part1\n<0>[   10.679129] Kernel panic - not syncing: sysrq triggered crash\n",
		"Oops#1 Part1\n<1>[    9.462907] BUG: kernel NULL pointer dereference, address: 0000000000000010\n",
		"Panic#2 Part2\n<6>[   10.678001] sysrq: Trigger a crash\n",
	} {
		set.Add(strings.NewReader(file), time.Time{})
	}
	text, _ := io.ReadAll(set.Reader())
	fmt.Printf("%s%s\n", text, set.Describe())
	// Output:
	// Oops#1 Part1
	// <1>[    9.462907] BUG: kernel NULL pointer dereference, address: 0000000000000010
	// Panic#2 Part2
	// <6>[   10.678001] sysrq: Trigger a crash
	// <0>[   10.679129] Kernel panic - not syncing: sysrq triggered crash
	// Oops#1 (part 1), Panic#2 (parts 2-1)
}
