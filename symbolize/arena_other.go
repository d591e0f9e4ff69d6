//go:build !linux

package symbolize

const hugePagesAdvisable = false

func adviseHuge([]byte) {}
