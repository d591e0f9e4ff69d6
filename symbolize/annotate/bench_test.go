package annotate

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse/benchlog"
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

// bigLog builds the log of `make bench` (package benchlog).
func bigLog(b *testing.B, size int) []byte {
	log, err := benchlog.Make(readTestdata(b, "x86_64-nokallsyms-nokaslr-module-oops/console.log"), size)
	if err != nil {
		b.Fatal(err)
	}
	return log
}

// BenchmarkStreamBigLog is the annotating stream alone over the bench's
// log (after its prescan, as the CLI runs it on a file), with the
// System.map of its kernel: the cost per byte of an ordinary log.
func BenchmarkStreamBigLog(b *testing.B) {
	tab := systemMapTable(b, "System.map-6.1.192-nokallsyms")
	log := bigLog(b, 16<<20)
	opts := Options{LinkTime: true, OffsetSet: true}
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	for b.Loop() {
		b.StopTimer()
		a := New(tab, opts)
		if err := a.PrescanAt(bytes.NewReader(log), int64(len(log)), 1); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := a.Stream(w, bytes.NewReader(log)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrescanBigLog is the evidence pass alone over the bench's log,
// in one piece.
func BenchmarkPrescanBigLog(b *testing.B) {
	tab := systemMapTable(b, "System.map-6.1.192-nokallsyms")
	log := bigLog(b, 16<<20)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		if err := New(tab, Options{LinkTime: true, OffsetSet: true}).PrescanAt(bytes.NewReader(log), int64(len(log)), 1); err != nil {
			b.Fatal(err)
		}
	}
}
