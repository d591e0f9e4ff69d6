package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY returns the two ends of a new pseudo-terminal, or skips.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n, unlock uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlocking the pseudo-terminal: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("pseudo-terminal number: %v", e)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}

// TestColorAutoOnTerminal: --color=auto paints a terminal, unless NO_COLOR
// is set (to anything but the empty string) or TERM is dumb.
func TestColorAutoOnTerminal(t *testing.T) {
	master, tty := openPTY(t)
	if !useColor(colorAuto, tty, noEnv) {
		t.Error("auto did not colour a terminal")
	}
	if !useColor(colorAuto, tty, envOf(map[string]string{"NO_COLOR": ""})) {
		t.Error("an empty NO_COLOR must not disable colour")
	}
	if useColor(colorAuto, tty, envOf(map[string]string{"NO_COLOR": "1"})) {
		t.Error("auto coloured a terminal despite NO_COLOR")
	}
	if useColor(colorNever, tty, noEnv) {
		t.Error("never coloured a terminal")
	}

	lines := make(chan string, 2)
	go func() {
		br := bufio.NewReader(master)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			lines <- l
		}
	}()
	for _, c := range []struct {
		env    func(string) (string, bool)
		colour bool
	}{{noEnv, true}, {envOf(map[string]string{"NO_COLOR": "1"}), false}} {
		code := run([]string{"ksymoops-go", "-q", "-m", nokallsymsMap, "--kaslr-offset", "0"}, strings.NewReader(vfsWriteIn), tty, os.Stderr, c.env)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		select {
		case l := <-lines:
			if ansi.MatchString(l) != c.colour {
				t.Errorf("colour %v wanted, got %q", c.colour, l)
			}
			// The terminal turns \n into \r\n.
			if got := ansi.ReplaceAllString(l, ""); got != strings.TrimSuffix(vfsWriteOut, "\n")+"\r\n" {
				t.Errorf("got %q", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("nothing read from the terminal")
		}
	}
}
