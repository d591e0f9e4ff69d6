// Package symbolize builds kernel symbol tables and resolves addresses the
// way the kernel's own %pS and %pB do.
//
// A Table comes from a /proc/kallsyms listing (ParseKallsyms: the running
// kernel's addresses, modules included) or a System.map (ParseSystemMap:
// link-time addresses; Relocate it by the boot's KASLR offset). Lookup
// answers "name+0xoff/0xsize [module]" for an address; LookupReturn does the
// same for a return address (it looks up address-1). Addresses outside the
// kernel's text and its modules' text are never resolved. Tables are
// immutable and safe for concurrent use.
//
// Package annotate applies a Table to a whole log stream.
package symbolize
