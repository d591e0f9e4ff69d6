// Command bench-baseline is the yardstick of `make bench`: two plain Go
// programs that do what ksymoops-go does for one oops, a kallsyms or
// System.map and a log, without its rules or checks. ksymoops-go's
// whole-process time and memory are reported as ratios against them,
// measured in the same run.
//
//	bench-baseline [-careful] SYMBOLS LOG
//
// The default is the straightforward program anyone would write first:
// bufio.Scanner, strings.Fields, strconv.ParseUint, sort.Slice and
// sort.Search over a slice of structs. -careful is the program written
// for speed: the whole file read at once, a hand-written hex parser,
// struct-of-arrays, and the sort skipped when the file is already sorted.
// Each prints every log line, with "name+0xoff" after each word that is a
// hexadecimal address inside the table.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	careful := flag.Bool("careful", false, "the program written for speed")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: bench-baseline [-careful] SYMBOLS LOG")
		os.Exit(2)
	}
	var err error
	if *careful {
		err = runCareful(flag.Arg(0), flag.Arg(1), os.Stdout)
	} else {
		err = runSimple(flag.Arg(0), flag.Arg(1), os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-baseline:", err)
		os.Exit(1)
	}
}

type symbol struct {
	addr uint64
	name string
}

// runSimple is the straightforward program.
func runSimple(symPath, logPath string, out io.Writer) error {
	f, err := os.Open(symPath)
	if err != nil {
		return err
	}
	defer f.Close()
	var syms []symbol
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 3 {
			continue
		}
		a, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", symPath, err)
		}
		syms = append(syms, symbol{a, fields[2]})
	}
	if err := s.Err(); err != nil {
		return err
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].addr < syms[j].addr })
	lookup := func(a uint64) (string, bool) {
		i := sort.Search(len(syms), func(i int) bool { return syms[i].addr > a }) - 1
		if i < 0 || i == len(syms)-1 {
			return "", false
		}
		return fmt.Sprintf("%s+0x%x", syms[i].name, a-syms[i].addr), true
	}
	return annotate(logPath, out, lookup)
}

// runCareful is the program written for speed.
func runCareful(symPath, logPath string, out io.Writer) error {
	data, err := os.ReadFile(symPath)
	if err != nil {
		return err
	}
	n := bytes.Count(data, []byte{'\n'}) + 1
	addrs := make([]uint64, 0, n)
	names := make([]string, 0, n)
	sorted := true
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		var a uint64
		i := 0
		for ; i < len(line); i++ {
			c := line[i]
			switch {
			case c >= '0' && c <= '9':
				a = a<<4 | uint64(c-'0')
			case c >= 'a' && c <= 'f':
				a = a<<4 | uint64(c-'a'+10)
			default:
				goto done
			}
		}
	done:
		if i+3 > len(line) {
			continue
		}
		name := line[i+3:]
		if t := bytes.IndexByte(name, '\t'); t >= 0 {
			name = name[:t]
		}
		if len(addrs) > 0 && a < addrs[len(addrs)-1] {
			sorted = false
		}
		addrs = append(addrs, a)
		names = append(names, string(name))
	}
	if !sorted {
		idx := make([]int, len(addrs))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(i, j int) bool { return addrs[idx[i]] < addrs[idx[j]] })
		a2, n2 := make([]uint64, len(idx)), make([]string, len(idx))
		for i, j := range idx {
			a2[i], n2[i] = addrs[j], names[j]
		}
		addrs, names = a2, n2
	}
	lookup := func(a uint64) (string, bool) {
		i := sort.Search(len(addrs), func(i int) bool { return addrs[i] > a }) - 1
		if i < 0 || i == len(addrs)-1 {
			return "", false
		}
		return names[i] + "+0x" + strconv.FormatUint(a-addrs[i], 16), true
	}
	return annotate(logPath, out, lookup)
}

// annotate copies the log, adding a symbol after each hexadecimal word of
// at least eight digits that the table covers.
func annotate(logPath string, out io.Writer, lookup func(uint64) (string, bool)) error {
	f, err := os.Open(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(out)
	s := bufio.NewScanner(f)
	s.Buffer(nil, 4<<20)
	for s.Scan() {
		line := s.Text()
		w.WriteString(line)
		for _, word := range strings.Fields(line) {
			word = strings.Trim(word, "[]<>()")
			word = strings.TrimPrefix(word, "0x")
			if len(word) < 8 {
				continue
			}
			if a, err := strconv.ParseUint(word, 16, 64); err == nil {
				if sym, ok := lookup(a); ok {
					w.WriteString(" " + sym)
				}
			}
		}
		w.WriteByte('\n')
	}
	if err := s.Err(); err != nil {
		return err
	}
	return w.Flush()
}
