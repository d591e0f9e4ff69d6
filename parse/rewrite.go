package parse

// An Edit inserts Text before byte At of a line. Edits never delete: the
// input is always recoverable by removing what they inserted.
type Edit struct {
	At   int
	Text []byte
}

// Splice appends line to dst with the edits applied, and returns the
// extended buffer. Edits must be sorted by At (stable for equal offsets)
// and lie within the line; out-of-range offsets are clamped to its ends so
// that a bad edit can never lose input bytes.
func Splice(dst, line []byte, edits []Edit) []byte {
	pos := 0
	for _, e := range edits {
		at := min(max(e.At, pos), len(line))
		dst = append(dst, line[pos:at]...)
		dst = append(dst, e.Text...)
		pos = at
	}
	return append(dst, line[pos:]...)
}
