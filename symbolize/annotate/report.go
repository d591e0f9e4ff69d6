package annotate

import (
	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// A Resolved is a raw address of a line that an annotation named: the
// token (with its byte offsets in the line) and the symbol the table gave
// it. Callers that read the log's reports (package parse/report) give
// these names to the report's frames rather than looking them up again.
type Resolved struct {
	Token    parse.Token
	Location symbolize.Location
}

// Resolutions returns the addresses AppendLine named in the line it
// annotated last, in line order. Register values are not among them. The
// slice is reused by the next call of AppendLine.
func (a *Annotator) Resolutions() []Resolved { return a.resolved }
