package annotate

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// BenchmarkAnnotate streams the real x86_64 console logs (boot messages and
// oopses; the no-kallsyms one is all raw addresses) through the annotator.
func BenchmarkAnnotate(b *testing.B) {
	tab, _ := kallsymsTable(b, "x86_64-nokaslr-module-oops")
	var log []byte
	for _, dir := range []string{"x86_64-nokaslr-module-oops", "x86_64-kaslr-sysrq-panic", "x86_64-nokallsyms-nokaslr-module-oops", "i386-module-oops"} {
		log = append(log, readTestdata(b, dir+"/console.log")...)
	}
	log = bytes.Repeat(log, 20)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	for b.Loop() {
		if err := New(tab, Options{}).Stream(w, bytes.NewReader(log)); err != nil {
			b.Fatal(err)
		}
	}
}
