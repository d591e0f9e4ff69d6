package report

import "testing"

func TestDemangle(t *testing.T) {
	for in, want := range map[string]string{
		"_Z8fakeNameiii": "fakeName",
		"_ZN3foo3barEv":  "foo::bar",
		"_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref":                                "<rust_binder::process::Process>::update_ref",
		"_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap": "<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap",
		"_RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt":                                                         "core::panicking::panic_fmt",
		"_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind":                                                        "__rustc::rust_begin_unwind",
		"vfs_write":   "vfs_write",
		"_RNvB_":      "_RNvB_",
		"_Z99short":   "_Z99short",
		"_RNvBzzzzz_": "_RNvBzzzzz_",
	} {
		if got := demangle(in); got != want {
			t.Errorf("demangle(%q) = %q, want %q", in, got, want)
		}
	}
}
