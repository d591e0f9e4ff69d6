// Command ksymoops-addr2line prints the source lines and inline chains of
// kernel addresses with ksymoops-go's DWARF resolver, in the output format
// of `addr2line -f -i`. It exists to compare the resolver with binutils and
// LLVM (make bench-dwarf) and to debug it; ksymoops-go itself annotates
// logs.
//
//	ksymoops-addr2line -e vmlinux [-strip-prefix DIR]... [ADDRESS...]
//
// Addresses are hexadecimal, with or without 0x; with none on the command
// line they are read from standard input, one a line.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/symbolize/srcline"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// prefixes collects repeated -strip-prefix flags.
type prefixes []string

func (p *prefixes) String() string     { return strings.Join(*p, ",") }
func (p *prefixes) Set(s string) error { *p = append(*p, s); return nil }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ksymoops-addr2line", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exe := fs.String("e", "vmlinux", "the ELF `file` with DWARF (a linked vmlinux)")
	var strip prefixes
	fs.Var(&strip, "strip-prefix", "remove `DIR` from the front of paths (repeatable); -strip-prefix= shows the paths as the DWARF has them. Default: relative to the kernel tree")
	fs.Bool("f", true, "accepted for addr2line compatibility: function names are always printed")
	fs.Bool("i", true, "accepted for addr2line compatibility: inline chains are always printed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := srcline.Options{}
	if len(strip) > 0 {
		opts.StripPrefixes = []string{}
		for _, p := range strip {
			if p != "" {
				opts.StripPrefixes = append(opts.StripPrefixes, p)
			}
		}
	}
	f, err := srcline.Open(*exe, opts)
	if err != nil {
		fmt.Fprintln(stderr, "ksymoops-addr2line:", err)
		return 1
	}
	defer f.Close()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	status := 0
	resolve := func(text string) {
		a, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(text), "0x"), 16, 64)
		if err != nil {
			fmt.Fprintf(stderr, "ksymoops-addr2line: %q is not a hexadecimal address\n", text)
			status = 1
			return
		}
		frames, err := f.Frames(a)
		if err != nil {
			fmt.Fprintln(stderr, "ksymoops-addr2line:", err)
			status = 1
		}
		if len(frames) == 0 {
			fmt.Fprint(w, "??\n??:0\n")
		}
		for _, fr := range frames {
			fn, loc := fr.Func, "??:?"
			if fn == "" {
				fn = "??"
			}
			if fr.File != "" {
				loc = fr.File + ":" + strconv.Itoa(fr.Line)
			}
			// addr2line repeats the innermost line's discriminator.
			if d := frames[0].Discriminator; d > 0 {
				loc += fmt.Sprintf(" (discriminator %d)", d)
			}
			fmt.Fprintf(w, "%s\n%s\n", fn, loc)
		}
	}
	if fs.NArg() > 0 {
		for _, a := range fs.Args() {
			resolve(a)
		}
		return status
	}
	s := bufio.NewScanner(stdin)
	for s.Scan() {
		if strings.TrimSpace(s.Text()) != "" {
			resolve(s.Text())
			w.Flush() // answer each address as it comes, like addr2line
		}
	}
	return status
}
