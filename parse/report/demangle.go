package report

import "strings"

// demangle returns the source name of a C++ (Itanium ABI) or Rust (v0)
// symbol, as titles show it, and any other name as it is: "_Z8fakeNameiii"
// is fakeName, "_RNvMs3_NtCs1_11rust_binder7processNtB5_7Process10update_ref"
// is <rust_binder::process::Process>::update_ref. Only names are read, not
// argument types or generics; a symbol it cannot read comes back as is.
func demangle(name string) string {
	switch {
	case strings.HasPrefix(name, "_Z"):
		if s, ok := demangleItanium(name[2:]); ok {
			return s
		}
	case strings.HasPrefix(name, "_R"):
		d := rustDemangler{s: name[2:], start: name[2:]}
		if s, ok := d.path(0); ok {
			return s
		}
	}
	return name
}

// demangleItanium reads "<len><name>" or "N<len><name>...E".
func demangleItanium(s string) (string, bool) {
	nested := strings.HasPrefix(s, "N")
	if nested {
		s = s[1:]
	}
	var parts []string
	for len(s) > 0 && s[0] >= '1' && s[0] <= '9' {
		n, i := 0, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		if n > len(s)-i {
			return "", false
		}
		parts = append(parts, s[i:i+n])
		s = s[i+n:]
		if !nested {
			break
		}
	}
	return strings.Join(parts, "::"), len(parts) > 0
}

// A rustDemangler reads the paths of a Rust v0 symbol: s is what is left
// to read, start the whole symbol after "_R" (which backreferences index).
type rustDemangler struct{ s, start string }

// maxRustDepth bounds the nesting (and backreferences) followed, so that
// a hostile symbol cannot recurse without end.
const maxRustDepth = 32

// path reads one path and renders it as Rust source does.
func (d *rustDemangler) path(depth int) (string, bool) {
	if depth > maxRustDepth || len(d.s) == 0 {
		return "", false
	}
	tag := d.s[0]
	d.s = d.s[1:]
	switch tag {
	case 'C': // crate root
		d.disambiguator()
		return d.ident()
	case 'N': // nested: namespace, parent, name
		if len(d.s) == 0 {
			return "", false
		}
		d.s = d.s[1:]
		parent, ok := d.path(depth + 1)
		if !ok {
			return "", false
		}
		name, ok := d.ident()
		if !ok {
			return "", false
		}
		if name == "" {
			return parent, true
		}
		return parent + "::" + name, true
	case 'M': // inherent impl: <Type>
		d.disambiguator()
		if _, ok := d.path(depth + 1); !ok {
			return "", false
		}
		typ, ok := d.path(depth + 1)
		return "<" + typ + ">", ok
	case 'X': // trait impl: <Type as Trait>
		d.disambiguator()
		if _, ok := d.path(depth + 1); !ok {
			return "", false
		}
		typ, ok := d.path(depth + 1)
		if !ok {
			return "", false
		}
		trait, ok := d.path(depth + 1)
		return "<" + typ + " as " + trait + ">", ok
	case 'B': // backreference to a path earlier in the symbol
		pos, ok := d.base62()
		if !ok || pos >= len(d.start) {
			return "", false
		}
		back := rustDemangler{s: d.start[pos:], start: d.start}
		return back.path(depth + 1)
	}
	return "", false
}

// ident reads "<disambiguator>? <len> ['_'] <bytes>".
func (d *rustDemangler) ident() (string, bool) {
	d.disambiguator()
	n, i := 0, 0
	for i < len(d.s) && d.s[i] >= '0' && d.s[i] <= '9' {
		n = n*10 + int(d.s[i]-'0')
		i++
		if n > len(d.s) {
			return "", false
		}
	}
	if i == 0 {
		return "", false
	}
	if i < len(d.s) && d.s[i] == '_' {
		i++
	}
	if n > len(d.s)-i {
		return "", false
	}
	id := d.s[i : i+n]
	d.s = d.s[i+n:]
	return id, true
}

// disambiguator skips "s<base62>_", which tells apart items of one name.
func (d *rustDemangler) disambiguator() {
	if strings.HasPrefix(d.s, "s") {
		d.s = d.s[1:]
		d.base62()
	}
}

// base62 reads "<0-9a-zA-Z>*_": "_" is 0, "0_" is 1, and so on.
func (d *rustDemangler) base62() (int, bool) {
	v, i := 0, 0
	for ; i < len(d.s) && d.s[i] != '_'; i++ {
		c := d.s[i]
		var digit int
		switch {
		case c >= '0' && c <= '9':
			digit = int(c - '0')
		case c >= 'a' && c <= 'z':
			digit = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			digit = int(c-'A') + 36
		default:
			return 0, false
		}
		if v < 1<<32 { // disambiguators are hashes: only their length matters
			v = v*62 + digit
		}
	}
	if i == len(d.s) {
		return 0, false
	}
	if i > 0 {
		v++
	}
	d.s = d.s[i+1:]
	return v, true
}
