package main

import (
	"fmt"
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

// colorMode is the --color setting.
type colorMode int

const (
	colorAuto colorMode = iota
	colorAlways
	colorNever
)

func parseColorMode(s string) (colorMode, error) {
	switch s {
	case "auto", "":
		return colorAuto, nil
	case "always":
		return colorAlways, nil
	case "never":
		return colorNever, nil
	}
	return 0, fmt.Errorf("--color must be auto, always or never, not %q", s)
}

// useColor decides once whether the annotated stream is painted: always
// and never are obeyed; auto paints only a terminal, and not when NO_COLOR
// is set or TERM is dumb.
func useColor(mode colorMode, w io.Writer, lookupEnv func(string) (string, bool)) bool {
	switch mode {
	case colorAlways:
		return true
	case colorNever:
		return false
	}
	if v, ok := lookupEnv("NO_COLOR"); ok && v != "" {
		return false
	}
	if v, _ := lookupEnv("TERM"); v == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// newStyle returns the colours of annotations. Colour objects are enabled
// explicitly so that fatih/color's package-level guess (made for os.Stdout
// at start-up) never decides for us.
func newStyle() *annotate.Style {
	paint := func(attrs ...color.Attribute) func(string) string {
		c := color.New(attrs...)
		c.EnableColor()
		return func(s string) string { return c.Sprint(s) }
	}
	return &annotate.Style{
		Symbol:     paint(color.FgGreen, color.Bold),
		Module:     paint(color.FgCyan),
		Unresolved: paint(color.FgRed),
		Trap:       paint(color.FgRed, color.Bold),
	}
}
