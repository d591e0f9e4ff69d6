package symbolize

import "syscall"

// hugePagesAdvisable: Linux backs memory advised MADV_HUGEPAGE with
// transparent huge pages when they are enabled "always" or "madvise".
const hugePagesAdvisable = true

// adviseHuge asks for b to be backed by huge pages. It is advice: a
// kernel without them, or without a free one, gives 4 KB pages.
func adviseHuge(b []byte) {
	if len(b) > 0 {
		_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	}
}
