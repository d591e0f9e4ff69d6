package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/ksymoops-go/ksymoops-go/parse/input"
)

// The man page and the shell completions are generated from the command's
// own definition (newApp), and committed so that `make install` needs no
// generator: this test fails when they are stale, and
// `go test ./cmd/ksymoops-go -run TestGeneratedDocs -update` (make docs)
// rewrites them.
const (
	manPage    = "man/ksymoops-go.1"
	bashScript = "completions/ksymoops-go.bash"
	zshScript  = "completions/ksymoops-go.zsh"
	fishScript = "completions/ksymoops-go.fish"
)

func TestGeneratedDocs(t *testing.T) {
	app := newApp(io.Discard, io.Discard, func(*options) error { return nil })
	help := app.Description
	app.Description = manDescription(help)
	man, err := app.ToManWithSection(1)
	app.Description = help
	if err != nil {
		t.Fatal(err)
	}
	flags := completionFlags(app)
	for _, f := range []struct {
		path, text string
	}{
		{manPage, man},
		{bashScript, bashCompletion(flags)},
		{zshScript, zshCompletion(flags)},
		{fishScript, fishCompletion(flags)},
	} {
		have, err := os.ReadFile(f.path)
		if *update {
			if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f.path, []byte(f.text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil || string(have) != f.text {
			t.Errorf("%s is stale: run make docs (go test ./cmd/ksymoops-go -run TestGeneratedDocs -update)", f.path)
		}
	}
}

// manDescription turns the help's description into the markdown the man
// page is rendered from: "Examples:" a section of its own, the commands
// (indented by six) code blocks, the rest paragraphs with markdown's
// special characters escaped.
func manDescription(help string) string {
	escape := strings.NewReplacer(`\`, `\\`, "<", `\<`, ">", `\>`, "*", `\*`, "_", `\_`, "`", "\\`")
	var b strings.Builder
	code := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case line == "Examples:":
			b.WriteString("\n# EXAMPLES\n")
			code = false
		case strings.HasPrefix(line, "      "):
			if !code {
				b.WriteString("\n")
			}
			b.WriteString("    " + strings.TrimSpace(line) + "\n")
			code = true
		default:
			if code && strings.TrimSpace(line) != "" {
				b.WriteString("\n")
			}
			b.WriteString(escape.Replace(strings.TrimSpace(line)) + "\n")
			code = false
		}
	}
	return b.String()
}

// A completionFlag is a flag as the completions offer it.
type completionFlag struct {
	names   []string // long name first
	usage   string
	value   string   // "" for a switch; "file" or "word" for a value
	choices []string // the values a word may take
}

// flagChoices are the values of the flags that take one of a few words.
var flagChoices = map[string][]string{
	"color":        {"auto", "always", "never"},
	"arch":         {"x86", "arm64", "arm", "powerpc", "riscv", "s390", "mips"},
	"input-format": input.Formats(),
}

func completionFlags(app *cli.App) []completionFlag {
	all := append(slices.Clone(app.Flags), cli.HelpFlag, cli.VersionFlag)
	var flags []completionFlag
	for _, f := range all {
		var c completionFlag
		for _, n := range f.Names() {
			c.names = append(c.names, n)
		}
		switch f := unwrapFlag(f).(type) {
		case *cli.StringFlag:
			c.usage = f.Usage
			c.value = "word"
			if strings.Contains(f.Usage, "`FILE`") {
				c.value = "file"
			}
			c.choices = flagChoices[f.Name]
		case *cli.BoolFlag:
			c.usage = f.Usage
		}
		c.usage = strings.ReplaceAll(c.usage, "`", "")
		flags = append(flags, c)
	}
	return flags
}

func dashed(n string) string {
	if len(n) == 1 {
		return "-" + n
	}
	return "--" + n
}

const generatedNote = "generated from the command's definition by `make docs`: do not edit"

func bashCompletion(flags []completionFlag) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for ksymoops-go, %s.\n", generatedNote)
	b.WriteString("_ksymoops_go() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n\tcase $prev in\n")
	var words []string
	for _, f := range flags {
		var names []string
		for _, n := range f.names {
			names = append(names, dashed(n))
		}
		words = append(words, names...)
		switch {
		case f.value == "file":
			fmt.Fprintf(&b, "\t%s)\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\t\treturn ;;\n", strings.Join(names, "|"))
		case len(f.choices) > 0:
			fmt.Fprintf(&b, "\t%s)\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn ;;\n", strings.Join(names, "|"), strings.Join(f.choices, " "))
		case f.value != "":
			fmt.Fprintf(&b, "\t%s)\n\t\treturn ;;\n", strings.Join(names, "|"))
		}
	}
	b.WriteString("\tesac\n")
	fmt.Fprintf(&b, "\tif [[ $cur == -* ]]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", strings.Join(words, " "))
	b.WriteString("\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n}\ncomplete -o filenames -F _ksymoops_go ksymoops-go\n")
	return b.String()
}

// zshQuote escapes a description for _arguments' "[...]".
func zshQuote(s string) string {
	return strings.NewReplacer(`'`, `'\''`, `[`, `\[`, `]`, `\]`, `:`, `\:`, `\`, `\\`).Replace(s)
}

func zshCompletion(flags []completionFlag) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef ksymoops-go\n# zsh completion for ksymoops-go, %s.\n_arguments -s \\\n", generatedNote)
	for _, f := range flags {
		var names []string
		for _, n := range f.names {
			names = append(names, dashed(n))
		}
		action := ""
		switch {
		case f.value == "file":
			action = ":file:_files"
		case len(f.choices) > 0:
			action = ":value:(" + strings.Join(f.choices, " ") + ")"
		case f.value != "":
			action = ":value: "
		}
		spec := "[" + zshQuote(f.usage) + "]" + action
		if len(names) == 1 {
			fmt.Fprintf(&b, "\t'%s%s' \\\n", names[0], spec)
		} else {
			fmt.Fprintf(&b, "\t'(%s)'{%s}'%s' \\\n", strings.Join(names, " "), strings.Join(names, ","), spec)
		}
	}
	b.WriteString("\t'*:log file:_files'\n")
	return b.String()
}

func fishCompletion(flags []completionFlag) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for ksymoops-go, %s.\n", generatedNote)
	for _, f := range flags {
		b.WriteString("complete -c ksymoops-go")
		for _, n := range f.names {
			if len(n) == 1 {
				fmt.Fprintf(&b, " -s %s", n)
			} else {
				fmt.Fprintf(&b, " -l %s", n)
			}
		}
		switch {
		case f.value == "file":
			b.WriteString(" -r -F")
		case len(f.choices) > 0:
			fmt.Fprintf(&b, " -x -a '%s'", strings.Join(f.choices, " "))
		case f.value != "":
			b.WriteString(" -x")
		}
		fmt.Fprintf(&b, " -d '%s'\n", strings.ReplaceAll(f.usage, "'", `\'`))
	}
	return b.String()
}

// TestCompletionsWork runs the completions in their shells, where the
// shells are installed.
func TestCompletionsWork(t *testing.T) {
	if bash, err := exec.LookPath("bash"); err == nil {
		for _, tc := range []struct{ words, want string }{
			{"ksymoops-go --col", "--color"},
			{"ksymoops-go --color a", "auto always"},
			{"ksymoops-go --input-format j", "journal-json"},
			{"ksymoops-go --red", "--redact"},
			{"ksymoops-go --km", "--kmsg"},
		} {
			script := fmt.Sprintf("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _ksymoops_go; echo \"${COMPREPLY[*]}\"",
				bashScript, tc.words, len(strings.Fields(tc.words))-1)
			out, err := exec.Command(bash, "-c", script).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != tc.want {
				t.Errorf("bash %q: %q %v, want %q", tc.words, out, err, tc.want)
			}
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		path, err := exec.LookPath(shell)
		if err != nil {
			continue
		}
		script := zshScript
		if shell == "fish" {
			script = fishScript
		}
		if out, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("%s -n %s: %v %s", shell, script, err, out)
		}
	}
	if fish, err := exec.LookPath("fish"); err == nil {
		out, err := exec.Command(fish, "-c", "source "+fishScript+"; complete -C 'ksymoops-go --input-format '").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "journal-json") {
			t.Errorf("fish: %q %v", out, err)
		}
	}
}
