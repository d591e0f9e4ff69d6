package annotate

import (
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// TestResolutions: the names AppendLine inserted come back with the tokens
// they follow, return addresses looked up as the kernel's %pB does, and
// register values left out.
func TestResolutions(t *testing.T) {
	a := New(fuzzTable(t), Options{Arch: parse.ArchX86})
	line := "[   14.109101]  ? 0xffffffffc02010c7"
	out := string(a.AppendLine(nil, []byte(line)))
	res := a.Resolutions()
	if len(res) != 1 {
		t.Fatalf("%q: resolutions %+v", out, res)
	}
	r := res[0]
	if got := line[r.Token.Start:r.Token.End]; got != "0xffffffffc02010c7" {
		t.Errorf("token text %q", got)
	}
	if want := " " + r.Location.String(); out != line+want {
		t.Errorf("annotated %q, resolution %q", out, r.Location)
	}
	a.AppendLine(nil, []byte("[   14.108311] RAX: 0000000000000000 RBX: ffffffffc020209a RCX: c0000000ffffefff"))
	if res := a.Resolutions(); len(res) != 0 {
		t.Errorf("register values among the resolutions: %+v", res)
	}
}
