// Command peakrss runs a command and reports its wall time and peak
// resident memory, for `make bench` (cmd/internal/benchrun):
//
//	peakrss COMMAND [ARG...]
//
// The command's standard streams are peakrss's; the report, "WALL_NS
// MAXRSS_KB", goes to file descriptor 3.
//
// Linux counts in a child's peak memory that of the process it was
// started from (its memory at the exec), so a large parent inflates every
// figure: benchrun, a Go program that has read its data, made cat look 11
// MB. peakrss is the small parent, with no more than the syscall package:
// its own megabyte or so is the floor of every figure (cat's shows it).
package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: peakrss COMMAND [ARG...]", nil)
	}
	path := lookPath(os.Args[1])
	start := time.Now()
	pid, err := syscall.ForkExec(path, os.Args[1:], &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		fail("peakrss: "+os.Args[1], err)
	}
	var status syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &status, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	wall := time.Since(start)
	if err != nil {
		fail("peakrss: waiting", err)
	}
	if !status.Exited() || status.ExitStatus() != 0 {
		fail("peakrss: "+os.Args[1]+" failed: status "+strconv.Itoa(int(status)), nil)
	}
	report := strconv.AppendInt(nil, wall.Nanoseconds(), 10)
	report = strconv.AppendInt(append(report, ' '), ru.Maxrss, 10)
	if _, err := os.NewFile(3, "report").Write(append(report, '\n')); err != nil {
		fail("peakrss: writing the report", err)
	}
}

// lookPath finds name in $PATH unless it holds a slash, as a shell would.
func lookPath(name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, dir := range strings.Split(os.Getenv("PATH"), ":") {
		if dir == "" {
			dir = "."
		}
		if fi, err := os.Stat(dir + "/" + name); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return dir + "/" + name
		}
	}
	return name
}

func fail(msg string, err error) {
	if err != nil {
		msg += ": " + err.Error()
	}
	os.Stderr.WriteString(msg + "\n")
	os.Exit(1)
}
