package symbolize

import (
	"errors"
	"fmt"
)

// ErrNoSymbols is returned by the parsers when the input holds no symbol
// that can be used for lookups (an empty file, or only absolute symbols).
var ErrNoSymbols = errors.New("no usable symbols")

// ErrRestricted is returned by ParseKallsyms when every address in the file
// is zero: the kernel hid them because kernel.kptr_restrict is set or the
// reader was not root. Such a table would resolve nothing, or worse,
// everything to the first symbol.
var ErrRestricted = errors.New("all kallsyms addresses are zero (kernel.kptr_restrict is set or the file was read without root): " +
	"read /proc/kallsyms as root with 'sysctl kernel.kptr_restrict=0', or pass the kernel's System.map with -m")

// ErrPlaceholder is returned by ParseSystemMap for the stub System.map that
// Debian and Ubuntu ship in linux-image packages: a single line saying the
// real file is in the -dbg package.
var ErrPlaceholder = errors.New("this System.map is a placeholder, not a symbol table: " +
	"the real one is in the kernel's debug package (Debian: linux-image-<release>-dbg, /usr/lib/debug/boot/System.map-<release>)")

// A FormatError reports a malformed line in a symbol file.
type FormatError struct {
	File string // file name as given by the caller; may be empty
	Line int    // 1-based line number
	Msg  string // what is wrong with the line
	Text string // the offending line, truncated for display
}

func (e *FormatError) Error() string {
	where := e.File
	if where == "" {
		where = "<input>"
	}
	if e.Text != "" {
		return fmt.Sprintf("%s:%d: %s: %q", where, e.Line, e.Msg, e.Text)
	}
	return fmt.Sprintf("%s:%d: %s", where, e.Line, e.Msg)
}

// lineExcerpt returns at most 80 bytes of a line for an error message.
func lineExcerpt(line []byte) string {
	const max = 80
	if len(line) > max {
		return string(line[:max]) + "..."
	}
	return string(line)
}

func errNoUsable(read int) error {
	return fmt.Errorf("%w: none of the %d symbols read lies in the kernel's text range or is a module's code", ErrNoSymbols, read)
}
