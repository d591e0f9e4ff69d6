// Command benchrun is `make bench`'s timer: it runs ksymoops-go and its
// yardsticks side by side on real data, interleaved, several times, and
// prints the median wall time and peak memory of each, and the ratios the
// speed targets are stated in. Ratios are measured in the same run, so
// they hold on a loaded or slower machine where the absolute figures do
// not.
//
//	go run ./cmd/internal/benchrun -bin bin/ksymoops-go -baseline bin/bench-baseline -peakrss bin/peakrss -testdata testdata
//
// Each command runs through peakrss (cmd/internal/peakrss), a small parent
// whose memory does not inflate the peak memory the kernel reports.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/ksymoops-go/ksymoops-go/parse/benchlog"
)

func main() {
	bin := flag.String("bin", "bin/ksymoops-go", "the ksymoops-go binary")
	baseline := flag.String("baseline", "bin/bench-baseline", "the bench-baseline binary")
	peakrss := flag.String("peakrss", "bin/peakrss", "the peakrss binary, which runs each command (cmd/internal/peakrss)")
	testdata := flag.String("testdata", "testdata", "the repository's testdata directory")
	runs := flag.Int("runs", 9, "runs of each command; the median is reported")
	logMB := flag.Int("log-mb", 200, "size of the generated log for the throughput figures, in MB")
	prepare := flag.String("prepare", "", "(internal) write the data into this directory and exit")
	flag.Parse()
	if *prepare != "" {
		if err := prepareData(*testdata, *prepare, int64(*logMB)<<20); err != nil {
			fmt.Fprintln(os.Stderr, "benchrun:", err)
			os.Exit(1)
		}
		return
	}
	if err := benchmark(*bin, *baseline, *peakrss, *testdata, *runs, *logMB); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// A measurement is the median of several runs of one command.
type measurement struct {
	name    string
	wall    time.Duration
	peakRSS int64 // KiB
}

// The data files prepareData writes.
const (
	kallsymsFile = "kallsyms"
	sysmapFile   = "System.map-6.1.0-56-amd64"
	logMapFile   = "System.map-6.1.192-nokallsyms"
	bigLogFile   = "big.log"
)

// prepareData decompresses the tables and writes the big log into dir.
func prepareData(testdata, dir string, logSize int64) error {
	for from, to := range map[string]string{
		"x86_64-kaslr-sysrq-panic/kallsyms.txt.xz": kallsymsFile,
		"maps/System.map-6.1.0-56-amd64.xz":        sysmapFile,
		"maps/System.map-6.1.192-nokallsyms.xz":    logMapFile,
	} {
		if err := unxz(filepath.Join(testdata, from), filepath.Join(dir, to)); err != nil {
			return err
		}
	}
	_, _, err := makeLog(filepath.Join(testdata, "x86_64-nokallsyms-nokaslr-module-oops/console.log"), filepath.Join(dir, bigLogFile), logSize)
	return err
}

func benchmark(bin, baseline, peakrss, testdata string, runs, logMB int) error {
	dir, err := os.MkdirTemp("", "ksymoops-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// A child writes the data: peak memory is inherited through fork, and
	// decompressing would make this process's the figure every command
	// starts from.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	prep := exec.Command(self, "-prepare", dir, "-testdata", testdata, "-log-mb", fmt.Sprint(logMB))
	prep.Stderr = os.Stderr
	if err := prep.Run(); err != nil {
		return fmt.Errorf("preparing the data: %w", err)
	}
	// The data is written back to disk now, not while the first commands
	// are timed (the log is hundreds of megabytes of dirty pages).
	syscall.Sync()
	kallsyms, sysmap, nokallsymsMap := filepath.Join(dir, kallsymsFile), filepath.Join(dir, sysmapFile), filepath.Join(dir, logMapFile)
	bigLog := filepath.Join(dir, bigLogFile)
	fi, err := os.Stat(bigLog)
	if err != nil {
		return err
	}
	size := fi.Size()
	oops := filepath.Join(testdata, "x86_64-kaslr-sysrq-panic/console.log")
	fmt.Printf("machine: %s\n", machine())
	fmt.Printf("data: kallsyms %s, System.map %s, oops %s; log of %d MB with kernel reports in 1%% of its lines\n\n",
		kallsyms, sysmap, oops, size>>20)

	kallsymsLines, err := countLines(kallsyms)
	if err != nil {
		return err
	}
	sysmapLines, err := countLines(sysmap)
	if err != nil {
		return err
	}
	groups := []struct {
		title string
		cmds  [][]string
	}{
		// The first command of a group is the target's, as a user runs
		// it: with its notes and the summary of the reports on stderr.
		// With -q, it reads no reports (nothing would tell them).
		{fmt.Sprintf("one oops, %dk-line kallsyms", kallsymsLines/1000), [][]string{
			{bin, "-k", kallsyms, oops},
			{baseline, "-careful", kallsyms, oops},
			{baseline, kallsyms, oops},
			{bin, "-q", "-k", kallsyms, oops},
		}},
		{fmt.Sprintf("one oops, %dk-line System.map", sysmapLines/1000), [][]string{
			{bin, "-m", sysmap, oops},
			{baseline, "-careful", sysmap, oops},
			{baseline, sysmap, oops},
			{bin, "-q", "-m", sysmap, oops},
		}},
		{fmt.Sprintf("%d MB log, System.map", size>>20), [][]string{
			{bin, "-m", nokallsymsMap, "--kaslr-offset", "0", bigLog},
			{"cat", bigLog},
			{bin, "-q", "-m", nokallsymsMap, "--kaslr-offset", "0", bigLog},
			// A plain Go program annotating the log: each word of eight
			// hex digits or more looked up, no formats, no checks.
			{baseline, "-careful", nokallsymsMap, bigLog},
		}},
	}
	for _, g := range groups {
		ms, err := measureInterleaved(peakrss, g.cmds, runs)
		if err != nil {
			return err
		}
		fmt.Printf("%s (median of %d):\n", g.title, runs)
		for _, m := range ms {
			fmt.Printf("  %-40s %9.2f ms %8.1f MB peak RSS   %5.2fx ksymoops-go's time\n",
				m.name, float64(m.wall.Microseconds())/1000, float64(m.peakRSS)/1024, float64(m.wall)/float64(ms[0].wall))
		}
		if strings.Contains(g.title, "log") {
			mbps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
			fmt.Printf("  throughput: ksymoops-go %.0f MB/s (-q %.0f MB/s), cat %.0f MB/s, the careful program %.0f MB/s\n",
				mbps(ms[0].wall), mbps(ms[2].wall), mbps(ms[1].wall), mbps(ms[3].wall))
			fmt.Printf("  ksymoops-go: %.0f%% of cat's throughput (-q %.0f%%), %.1fx the careful program's (-q %.1fx)\n",
				100*float64(ms[1].wall)/float64(ms[0].wall), 100*float64(ms[1].wall)/float64(ms[2].wall),
				float64(ms[3].wall)/float64(ms[0].wall), float64(ms[3].wall)/float64(ms[2].wall))
		}
		fmt.Println()
	}
	return nil
}

// measureInterleaved runs each command once per round, so that a change in
// the machine's load hits all of them alike.
func measureInterleaved(peakrss string, cmds [][]string, runs int) ([]measurement, error) {
	walls := make([][]time.Duration, len(cmds))
	rss := make([][]int64, len(cmds))
	for range runs {
		for i, c := range cmds {
			w, r, err := runOnce(peakrss, c)
			if err != nil {
				return nil, err
			}
			walls[i] = append(walls[i], w)
			rss[i] = append(rss[i], r)
		}
	}
	out := make([]measurement, len(cmds))
	for i, c := range cmds {
		slices.Sort(walls[i])
		slices.Sort(rss[i])
		name := filepath.Base(c[0])
		if len(c) > 1 && (c[1] == "-careful" || c[1] == "-q") {
			name += " " + c[1]
		}
		out[i] = measurement{name: name, wall: walls[i][len(walls[i])/2], peakRSS: rss[i][len(rss[i])/2]}
	}
	return out, nil
}

// runOnce runs args through peakrss and returns its wall time and peak
// resident memory (KiB), as peakrss reports them.
func runOnce(peakrss string, args []string) (time.Duration, int64, error) {
	cmd := exec.Command(peakrss, args...)
	// Output goes to /dev/null, as in the target's "cat log > /dev/null":
	// a pipe to this process would time the pipe, for every command alike.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer devNull.Close()
	cmd.Stdout = devNull
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	report, w, err := os.Pipe()
	if err != nil {
		return 0, 0, err
	}
	defer report.Close()
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Run()
	w.Close()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	var wallNS, maxRSS int64
	if _, err := fmt.Fscan(report, &wallNS, &maxRSS); err != nil {
		return 0, 0, fmt.Errorf("%s: reading peakrss's report: %w", strings.Join(args, " "), err)
	}
	return time.Duration(wallNS), maxRSS, nil
}

// unxz decompresses the .xz file path into out.
func unxz(path, out string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := xz.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return w.Close()
}

// machine describes what the figures were measured on, as far as Linux
// tells: the processor, how many the run may use, the kernel, and the
// transparent huge page mode (the table's memory lies on a huge page
// where it is "always" or "madvise").
func machine() string {
	model := "unknown processor"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	desc := fmt.Sprintf("%s, %d CPUs, %s", model, runtime.NumCPU(), runtime.Version())
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		desc += ", Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err == nil {
		desc += ", THP " + strings.TrimSpace(string(b))
	}
	return desc
}

// countLines returns how many lines the file at path has.
func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	return bytes.Count(b, []byte("\n")), err
}

// makeLog writes a log of about size bytes: the real console log's lines
// outside reports repeated, with one of its report lines (raw addresses,
// registers) in every hundred.
func makeLog(console, path string, size int64) (string, int64, error) {
	text, err := os.ReadFile(console)
	if err != nil {
		return "", 0, err
	}
	m, err := benchlog.New(text)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", console, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	var buf bytes.Buffer
	var written int64
	for written < size {
		buf.Write(m.Next())
		if buf.Len() > 1<<20 {
			n, err := f.Write(buf.Bytes())
			written += int64(n)
			if err != nil {
				f.Close()
				return "", 0, err
			}
			buf.Reset()
		}
	}
	n, err := f.Write(buf.Bytes())
	written += int64(n)
	if err != nil {
		f.Close()
		return "", 0, err
	}
	return path, written, f.Close()
}
