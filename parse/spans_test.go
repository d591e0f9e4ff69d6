package parse

import "testing"

// TestPrintedSpans checks where printed symbols stand: their text ends
// after the module and its build id, which is returned apart.
func TestPrintedSpans(t *testing.T) {
	line := []byte("[ 1.0] RIP: 0010:oopsdemo_level3+0x32/0xfe [oopsdemo b31b2967aa] x  vfs_write+0xc7/0x3f0\r")
	got := PrintedSpans(nil, line)
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	for i, want := range []struct {
		text, mod, id string
	}{
		{"oopsdemo_level3+0x32/0xfe [oopsdemo b31b2967aa]", "oopsdemo", "b31b2967aa"},
		{"vfs_write+0xc7/0x3f0", "", ""},
	} {
		sp := got[i]
		if string(line[sp.Start:sp.End]) != want.text || sp.Module != want.mod || sp.BuildID != want.id {
			t.Errorf("span %d: %q module %q build id %q; want %q %q %q", i, line[sp.Start:sp.End], sp.Module, sp.BuildID, want.text, want.mod, want.id)
		}
	}
	if got[0].PrintedSymbol != (PrintedSymbol{"oopsdemo_level3", 0x32, 0xfe, "oopsdemo"}) {
		t.Errorf("symbol %+v", got[0].PrintedSymbol)
	}
}
