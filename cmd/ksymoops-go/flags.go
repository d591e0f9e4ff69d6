package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/input"
)

// options is the command line, parsed and checked once.
type options struct {
	kallsyms       string
	systemMap      string
	lsmod          string
	kaslrOffset    uint64
	kaslrOffsetSet bool
	color          colorMode
	arch           parse.Arch
	quiet          bool
	failOnOops     bool
	force          bool
	noCode         bool
	format         outputFormat
	onlyReports    bool
	files          []string
	src            sourceOptions // --vmlinux, --modules, ... (vmlinux.go)
	inputFormat    input.Format  // --input-format; input.Auto detects it per input
	kmsg           string        // the log device to follow (--kmsg), "" when reading files
	redact         bool
}

// outputFormat is the --format setting: what standard output carries.
type outputFormat int

const (
	formatText   outputFormat = iota // the annotated log
	formatJSON                       // one JSON object per kernel report, one per line
	formatGitHub                     // the annotated log, and a GitHub Actions error per report
)

func parseOutputFormat(s string) (outputFormat, error) {
	switch s {
	case "text", "":
		return formatText, nil
	case "json":
		return formatJSON, nil
	case "github":
		return formatGitHub, nil
	}
	return 0, fmt.Errorf("--format must be text, json or github, not %q", s)
}

const helpExamples = `Every input line is written out, in order; after each raw kernel address
ksymoops-go adds the symbol it falls in, the way the kernel prints it:
"[<ffffffffc0a1b2c3>] oopsdemo_level2+0xa/0x1d [oopsdemo]". Addresses the
kernel already named, user-space addresses and data values are left alone.
After each Code: line comes the disassembly of its bytes, on added lines
that start "Code| " (--no-code leaves it out). Names come only from a table
the log shows to be its kernel's: a System.map is moved by each boot's
KASLR offset, found in the log, and where the evidence is missing or
against the table, addresses stay raw and standard error says why.
Diagnostics go to standard error.

Kernel reports (oopses, BUGs, WARNINGs, panics, sanitizer findings,
lockdep, hung tasks, RCU stalls, leaks) are found in the log as it streams:
--format json writes one JSON object per report instead of the log,
--format github (or --github) adds a GitHub Actions error annotation per
report, --only-reports keeps only the reports' lines. A count of reports by
type goes to standard error.

Exit status: 0 success; 1 an input or symbol file could not be read or
parsed; 2 a usage error; 3 with --fail-on-oops, a kernel report was found
(and nothing failed).

Examples:
   Live, on the machine that crashed (reads /proc/kallsyms; needs root):
      dmesg | ksymoops-go
      dmesg -w | ksymoops-go
      ksymoops-go --kmsg

   Post-mortem, with the kallsyms saved on the same boot:
      ksymoops-go -k kallsyms.txt crash.log

   Post-mortem, with the build's System.map (the KASLR offset of each boot
   is taken from the log: its "Kernel Offset:" line, addresses printed with
   their symbols, nokaslr; or give it with --kaslr-offset):
      ksymoops-go -m System.map-6.1.0-56-amd64 crash.log
      ksymoops-go -m System.map-6.1.0-56-amd64 --kaslr-offset 0xd400000 crash.log

   After a reboot: the last crashes that pstore kept, a kdump's log, the
   previous boot in the journal:
      ksymoops-go -m System.map-6.1.0-56-amd64 /sys/fs/pstore/*
      ksymoops-go -m System.map-6.1.0-56-amd64 /var/crash/*/vmcore-dmesg.txt
      journalctl -k -b -1 -o json | ksymoops-go -m System.map-6.1.0-56-amd64

   In CI, over saved console logs (compressed ones too, annotated in
   parallel, written in the order given):
      ksymoops-go -q --fail-on-oops -k kallsyms.txt.xz console.log.xz > annotated.log
      ksymoops-go -q --fail-on-oops -k kallsyms.txt 'logs/*.log' > annotated.log

   The reports alone, as JSON lines, for a test farm's database:
      ksymoops-go --format json --fail-on-oops -k kallsyms.txt console.log > reports.jsonl

   For a bug report in public, without a kernel address or the KASLR offset:
      ksymoops-go --redact -k kallsyms.txt crash.log > crash-redacted.log

Inputs may be kernel text (dmesg, syslog, journalctl, consoles,
vmcore-dmesg.txt), /dev/kmsg records (cat /dev/kmsg), journalctl -o json
or pstore dumps: the format is told by each input's first line.`

func newApp(stdout, stderr io.Writer, action func(*options) error) *cli.App {
	return &cli.App{
		Name:        "ksymoops-go",
		Version:     version(),
		Usage:       "resolve the raw kernel addresses of oopses, panics, WARNINGs and BUGs to symbols",
		UsageText:   "ksymoops-go [-k kallsyms | -m System.map [--kaslr-offset HEX]] [--vmlinux FILE [--modules DIR]] [--redact] [--kmsg | FILE...]",
		Description: helpExamples + "\n\n" + sourceHelp,
		Writer:      stdout,
		ErrWriter:   stderr,
		Flags: withKnownNames(append([]cli.Flag{
			&cli.StringFlag{Name: "kallsyms", Aliases: []string{"k"}, Usage: "symbols from a `FILE` in /proc/kallsyms format (live or saved)"},
			&cli.StringFlag{Name: "system-map", Aliases: []string{"m"}, Usage: "symbols from a System.map `FILE` (link-time addresses)"},
			&cli.StringFlag{Name: "lsmod", Usage: "module regions from a saved /proc/modules `FILE`: an address in a module with no symbols gets \"[module+0xoff]\""},
			&cli.StringFlag{Name: "kaslr-offset", Usage: "the KASLR offset `HEX` of the System.map's kernel (default: found in the log, see README)"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour the annotations: `auto|always|never` (auto: only on a terminal, not with NO_COLOR)"},
			&cli.StringFlag{Name: "arch", Usage: "the `ARCH` of the log (x86, arm64, arm, powerpc, riscv, s390, mips) instead of guessing it"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no diagnostics"},
			&cli.BoolFlag{Name: "no-code", Usage: "do not add the disassembly of Code: lines (lines starting \"Code| \")"},
			&cli.BoolFlag{Name: "force", Usage: "print names even where the log shows the table is not its kernel's, or the KASLR offset is unknown (0 is assumed)"},
			&cli.BoolFlag{Name: "fail-on-oops", Usage: "exit with status 3 when a kernel report (oops, BUG, WARNING, panic, ...) was found"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "what to write: `text|json|github` (the annotated log; one JSON object per kernel report; the log with GitHub Actions error annotations)"},
			&cli.BoolFlag{Name: "github", Usage: "the same as --format github"},
			&cli.BoolFlag{Name: "only-reports", Usage: "write only the lines of kernel reports (text and github formats)"},
			&cli.StringFlag{Name: "input-format", Value: "auto", Usage: "the inputs' `FORMAT`: auto|text|kmsg|journal-json|pstore (auto: told by each input's first line)"},
			&cli.BoolFlag{Name: "kmsg", Usage: "read the kernel log from /dev/kmsg and follow it, like dmesg -w (needs root where kernel.dmesg_restrict is set)"},
			&cli.BoolFlag{Name: "redact", Usage: "for posting in public: replace every kernel address by its symbol or \"(redacted)\", and the KASLR offset (see README)"},
		}, sourceFlags()...)),
		HideHelpCommand: true,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			o, err := parseOptions(c)
			if err != nil {
				return usageError{err}
			}
			return action(o)
		},
	}
}

// withKnownNames wraps each flag so that its Names are worked out once.
// urfave/cli asks a flag for its names on every lookup, for every flag
// looked up (runFlagActions asks whether each one is set; IsSet walks the
// flags), and each answer runs a regexp over each name: hundreds of
// regexp runs, a third of a millisecond of a run over one oops. The
// wrappers embed the flag itself, so everything else about it (its
// help, its value, its interfaces) is unchanged.
func withKnownNames(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		names := f.Names()
		switch f := f.(type) {
		case *cli.BoolFlag:
			out[i] = knownNamesBool{f, names}
		case *cli.StringFlag:
			out[i] = knownNamesString{f, names}
		case *cli.StringSliceFlag:
			out[i] = knownNamesStringSlice{f, names}
		default:
			out[i] = f
		}
	}
	return out
}

type knownNamesBool struct {
	*cli.BoolFlag
	names []string
}

func (f knownNamesBool) Names() []string { return f.names }

type knownNamesString struct {
	*cli.StringFlag
	names []string
}

func (f knownNamesString) Names() []string { return f.names }

type knownNamesStringSlice struct {
	*cli.StringSliceFlag
	names []string
}

func (f knownNamesStringSlice) Names() []string { return f.names }

// unwrapFlag returns the flag a withKnownNames wrapper holds, or f.
func unwrapFlag(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case knownNamesBool:
		return f.BoolFlag
	case knownNamesString:
		return f.StringFlag
	case knownNamesStringSlice:
		return f.StringSliceFlag
	}
	return f
}

// isBoolFlag reports a flag that takes no value.
func isBoolFlag(f cli.Flag) bool {
	_, ok := unwrapFlag(f).(*cli.BoolFlag)
	return ok
}

// interspersed lets flags follow file names (ksymoops-go crash.log -k
// kallsyms.txt): urfave/cli v2 stops at the first file name and would take
// the rest for more files, then read the running kernel's symbols. It moves
// every flag, with its value, before the file names; "--" still ends the
// flags.
func interspersed(args []string, flags []cli.Flag) []string {
	if len(args) == 0 {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range flags {
		isBool := isBoolFlag(f)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	opts := []string{args[0]}
	var files []string
	help, dangling := false, false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			opts = append(opts, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			help = help || name == "help" || name == "h"
			if takesValue[name] && !hasValue {
				if i+1 == len(args) {
					dangling = true // the parser will say the value is missing
					break
				}
				i++
				opts = append(opts, args[i])
			}
		default:
			files = append(files, a)
		}
	}
	// With --help, file names would be taken for help topics; with a
	// flag missing its value, "--" would be taken for the value.
	if len(files) == 0 || help || dangling {
		return opts
	}
	return append(append(opts, "--"), files...)
}

func parseOptions(c *cli.Context) (*options, error) {
	o := &options{
		kallsyms:   c.String("kallsyms"),
		systemMap:  c.String("system-map"),
		lsmod:      c.String("lsmod"),
		quiet:      c.Bool("quiet"),
		failOnOops: c.Bool("fail-on-oops"),
		force:      c.Bool("force"),
		noCode:     c.Bool("no-code"),
		files:      c.Args().Slice(),
	}
	var (
		err error
		ok  bool
	)
	if o.color, err = parseColorMode(c.String("color")); err != nil {
		return nil, err
	}
	if o.format, err = parseOutputFormat(c.String("format")); err != nil {
		return nil, err
	}
	if c.Bool("github") {
		if c.IsSet("format") && o.format != formatGitHub {
			return nil, fmt.Errorf("--github conflicts with --format %s", c.String("format"))
		}
		o.format = formatGitHub
	}
	o.onlyReports = c.Bool("only-reports")
	if o.onlyReports && o.format == formatJSON {
		return nil, fmt.Errorf("--only-reports selects log lines; --format json writes no log lines")
	}
	if s := c.String("kaslr-offset"); s != "" {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("--kaslr-offset: %q is not a hexadecimal number", s)
		}
		o.kaslrOffset, o.kaslrOffsetSet = v, true
	}
	if s := c.String("arch"); s != "" {
		a, ok := parse.ParseArch(s)
		if !ok {
			return nil, fmt.Errorf("--arch: unknown architecture %q (want x86, arm64, arm, powerpc, riscv, s390 or mips)", s)
		}
		o.arch = a
	}
	if err := parseSourceOptions(c, o); err != nil {
		return nil, err
	}
	format := c.String("input-format")
	if o.inputFormat, ok = input.ParseFormat(format); !ok {
		return nil, fmt.Errorf("--input-format: unknown format %q (want %s)", format, strings.Join(input.Formats(), ", "))
	}
	o.redact = c.Bool("redact")
	if c.Bool("kmsg") {
		if len(o.files) > 0 {
			return nil, fmt.Errorf("--kmsg reads %s: give no files with it", kmsgDevice)
		}
		if o.inputFormat != input.Auto && o.inputFormat != input.Kmsg {
			return nil, fmt.Errorf("--kmsg reads %s records: --input-format %s does not apply", kmsgDevice, o.inputFormat)
		}
		o.kmsg = kmsgDevice
	}
	if o.symbolFile() == "-" && o.kmsg == "" && (len(o.files) == 0 || slices.Contains(o.files, "-")) {
		return nil, fmt.Errorf("standard input cannot be both the symbol file and a log: name the log files as arguments")
	}
	if o.lsmod == "-" && (o.symbolFile() == "-" || o.kmsg == "" && (len(o.files) == 0 || slices.Contains(o.files, "-"))) {
		return nil, fmt.Errorf("standard input can be only one of the symbol file, the --lsmod file and a log")
	}
	return o, nil
}

// symbolFile is the symbol file that will be read: -k wins over -m; ""
// means the running kernel's.
func (o *options) symbolFile() string {
	if o.kallsyms != "" {
		return o.kallsyms
	}
	return o.systemMap
}

// version is the module version and VCS revision the binary was built
// from, as the Go toolchain recorded them.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v + " " + info.GoVersion
}
