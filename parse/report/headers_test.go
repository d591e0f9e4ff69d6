package report

import "testing"

// TestHeaderWordsCoverHeaders: the prefilter lets every header through.
func TestHeaderWordsCoverHeaders(t *testing.T) {
	for i := range headers {
		h := &headers[i]
		if !mayHoldHeader([]byte(h.literal)) {
			t.Errorf("no word of headerWords in %q: its reports would be missed", h.literal)
		}
	}
}
