package main

import (
	"io"
	"os"
	"regexp"
	"testing"
)

// ansi matches the SGR escapes colour is made of.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestColor(t *testing.T) {
	type input struct{ name, table, log string }
	inputs := []input{{"nokallsyms", "--system-map=" + nokallsymsMap, nokallsymsLog}}
	for _, s := range scenarios {
		inputs = append(inputs, input{s, "--kallsyms=" + td + "/" + s + "/kallsyms.txt.xz", td + "/" + s + "/console.log"})
	}
	noColor := envOf(map[string]string{"NO_COLOR": "1"})
	for _, in := range inputs {
		base := []string{"-q", in.table, in.log}
		plain := runCmd(t, "", noEnv, base...)
		if plain.code != 0 {
			t.Fatalf("%s: exit %d %s", in.name, plain.code, plain.stderr)
		}
		if ansi.MatchString(plain.stdout) {
			t.Errorf("%s: --color=auto coloured a buffer", in.name)
		}
		for _, env := range []func(string) (string, bool){noEnv, noColor} {
			always := runCmd(t, "", env, append([]string{"--color=always"}, base...)...)
			if !ansi.MatchString(always.stdout) && plain.stdout != readFile(t, in.log) {
				t.Errorf("%s: --color=always did not colour a buffer", in.name)
			}
			if ansi.ReplaceAllString(always.stdout, "") != plain.stdout {
				t.Errorf("%s: with the colours taken out, --color=always differs from plain output", in.name)
			}
		}
		for _, args := range [][]string{{"--color=never"}, {"--color", "auto"}} {
			if r := runCmd(t, "", noColor, append(args, base...)...); r.stdout != plain.stdout {
				t.Errorf("%s %v with NO_COLOR: output differs from plain", in.name, args)
			}
		}
	}
}

func TestUseColor(t *testing.T) {
	noColor := envOf(map[string]string{"NO_COLOR": "1"})
	for _, c := range []struct {
		mode colorMode
		w    io.Writer
		env  func(string) (string, bool)
		want bool
	}{
		{colorAlways, io.Discard, noEnv, true},
		{colorAlways, io.Discard, noColor, true}, // an explicit request wins
		{colorNever, os.Stdout, noEnv, false},
		{colorAuto, io.Discard, noEnv, false},
		{colorAuto, os.Stdout, noColor, false},
		{colorAuto, os.Stdout, envOf(map[string]string{"TERM": "dumb"}), false},
	} {
		if got := useColor(c.mode, c.w, c.env); got != c.want {
			t.Errorf("useColor(%v, %T, ...) = %v", c.mode, c.w, got)
		}
	}
}
