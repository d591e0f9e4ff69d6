package report

import (
	"regexp"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// TestFrameMatchIsPattern holds each frame form written out (match) to
// its expression, on the kernel text of real lines and on near misses.
func TestFrameMatchIsPattern(t *testing.T) {
	var bodies [][]byte
	for _, l := range realLines(t) {
		bodies = append(bodies, l[parse.SplitPrefix(l):])
	}
	for _, s := range []string{"RIP: 0010:", " \tRIP: 0033:x", "EIP: 0060:[<c0123456>]", "RIP: 001:", "RIP: 00g0:", "RIP:  0010:",
		"xRIP: 0010:", "IP: 0010:", "\fRIP: abcd:", "RIP: ABCD:", "RIP: 0010", ""} {
		bodies = append(bodies, []byte(s))
	}
	for i := range frameFormats {
		f := &frameFormats[i]
		if f.match == nil {
			continue
		}
		for _, b := range bodies {
			want := -1
			if m := f.re.Get().FindIndex(b); m != nil {
				want = m[1]
			}
			if got := f.match(b); got != want {
				t.Errorf("%s: match(%q) = %d, the expression ends at %d", f.name, b, got, want)
			}
		}
	}
}

// TestIsKernelEntry holds the entry frame test to its expression, on the
// frame names of real lines and on names around the ones it lists.
func TestIsKernelEntry(t *testing.T) {
	re := regexp.MustCompile(`^(?:entry_SYSCALL\w*|entry_SYSENTER\w*|entry_INT80\w*|ret_from_fork\w*|el0t?_\d*_?sync|el0_svc|ret_fast_syscall|system_call\w*|ret_from_syscall)$`)
	names := []string{"entry_SYSCALL_64_after_hwframe", "entry_SYSCALL", "entry_SYSCALL_64.cold", "entry_SYSENTER_32", "entry_INT80_compat",
		"ret_from_fork", "ret_from_fork_asm", "el0_sync", "el0t_64_sync", "el0_32_sync", "el0__sync", "el0_64sync", "el0t_sync", "el0tsync",
		"el0_sync_handler", "el0_svc", "el0_svc_common", "ret_fast_syscall", "system_call_fastpath", "ret_from_syscall", "xentry_SYSCALL",
		"el1_sync", "el0_6x_sync", "", "system_call$x"}
	name := regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.$]*`)
	for _, l := range realLines(t) {
		for _, m := range name.FindAll(l, -1) {
			names = append(names, string(m))
		}
	}
	for _, n := range names {
		if got, want := isKernelEntry(n), re.MatchString(n); got != want {
			t.Errorf("isKernelEntry(%q) = %v, the expression says %v", n, got, want)
		}
	}
}
