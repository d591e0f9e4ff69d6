package srcline

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// readBuildID returns the GNU build id of f from its .note.gnu.build-id
// section, or nil when it has none.
func readBuildID(f *elf.File) ([]byte, error) {
	s := f.Section(".note.gnu.build-id")
	if s == nil || s.Type != elf.SHT_NOTE {
		return nil, nil
	}
	data, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("reading .note.gnu.build-id: %w", err)
	}
	return parseBuildIDNote(data, f.ByteOrder), nil
}

// ntGNUBuildID is the note type of a GNU build id.
const ntGNUBuildID = 3

// parseBuildIDNote finds the GNU build id in ELF notes: 4-byte name and
// descriptor sizes and type, then the name and the descriptor, each padded
// to 4 bytes.
func parseBuildIDNote(data []byte, order binary.ByteOrder) []byte {
	for len(data) >= 12 {
		namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
		p := 12
		nameEnd := p + int(align4(namesz))
		descEnd := nameEnd + int(align4(descsz))
		if namesz > 1<<16 || descsz > 1<<16 || descEnd > len(data) {
			return nil
		}
		name := data[p : p+int(namesz)]
		if typ == ntGNUBuildID && bytes.Equal(bytes.TrimRight(name, "\x00"), []byte("GNU")) {
			return bytes.Clone(data[nameEnd : nameEnd+int(descsz)])
		}
		data = data[descEnd:]
	}
	return nil
}

func align4(n uint32) uint32 { return (n + 3) &^ 3 }
