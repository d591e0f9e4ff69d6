# ksymoops-go: build, test, fuzz.
GO       ?= go
PREFIX   ?= /usr/local
BIN      := bin/ksymoops-go
FUZZTIME ?= 30s

.PHONY: all build test check vet fmt-check race fuzz bench bench-dwarf pgo demo docs install clean

all: build

# urfave_cli_no_docs leaves out urfave/cli's man page and markdown writers
# (and the markdown library they initialise at every start): the man page
# is made by the tests (make docs) and shipped, never by the binary.
build:
	$(GO) build -trimpath -tags urfave_cli_no_docs -o $(BIN) ./cmd/ksymoops-go

# The test command of the README and of .ci/run.
test: fmt-check vet
	$(GO) test -count=1 ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

# Runs every fuzz target for FUZZTIME each (default 30s; make fuzz FUZZTIME=5m).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# The go test benchmarks, then the whole binary timed side by side with
# the yardsticks of cmd/bench-baseline and cat (medians and ratios of one
# run; BENCH_RUNS and BENCH_LOG_MB scale it).
BENCH_RUNS   ?= 9
BENCH_LOG_MB ?= 200
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) build -trimpath -o bin/bench-baseline ./cmd/bench-baseline
	$(GO) build -trimpath -o bin/benchrun ./cmd/internal/benchrun
	$(GO) build -trimpath -o bin/peakrss ./cmd/internal/peakrss
	bin/benchrun -bin $(BIN) -baseline bin/bench-baseline -peakrss bin/peakrss -testdata testdata -runs $(BENCH_RUNS) -log-mb $(BENCH_LOG_MB)

# Rewrites cmd/ksymoops-go/default.pgo, the CPU profile the binary is
# compiled with (go build's profile-guided optimisation: hot calls inlined,
# interface calls made direct): the profiles of the benchmarks of what a
# run does (parsing a kallsyms and a System.map, lookups, the evidence
# pass and the annotating stream over a long log, the report extractor),
# merged. Rerun it when the hot code changes much.
pgo:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) test -run '^$$' -bench 'ParseKallsyms|ParseSystemMap|Lookup$$' -benchtime 2s -o "$$tmp/s.test" -cpuprofile "$$tmp/symbolize.prof" ./symbolize; \
	$(GO) test -run '^$$' -bench 'StreamBigLog|PrescanBigLog|Annotate$$' -benchtime 2s -o "$$tmp/a.test" -cpuprofile "$$tmp/annotate.prof" ./symbolize/annotate; \
	$(GO) test -run '^$$' -bench 'BigLog$$' -benchtime 2s -o "$$tmp/r.test" -cpuprofile "$$tmp/report.prof" ./parse/report; \
	$(GO) tool pprof -proto "$$tmp/symbolize.prof" "$$tmp/annotate.prof" "$$tmp/report.prof" > "$$tmp/default.pgo"; \
	mv "$$tmp/default.pgo" cmd/ksymoops-go/default.pgo

# ksymoops-go's DWARF resolver against llvm-addr2line and addr2line on 30
# addresses of a vmlinux with DWARF: make bench-dwarf VMLINUX=path [RUNS=7].
bench-dwarf:
	@test -n "$(VMLINUX)" || { echo "usage: make bench-dwarf VMLINUX=/usr/lib/debug/boot/vmlinux-<release>"; exit 2; }
	VMLINUX="$(VMLINUX)" GO="$(GO)" cmd/ksymoops-addr2line/bench-dwarf.sh

# Annotates a real raw-address oops (a CONFIG_KALLSYMS=n kernel) with its System.map.
demo: build
	./$(BIN) -m testdata/maps/System.map-6.1.192-nokallsyms.xz testdata/x86_64-nokallsyms-nokaslr-module-oops/console.log

# The man page and the shell completions, generated from the CLI's own
# definition and committed (so that install needs no generator); the tests
# fail when they are stale.
docs:
	$(GO) test -count=1 -run '^TestGeneratedDocs$$' ./cmd/ksymoops-go -update

# Installs the binary, ksymoops-go(1) and the bash, zsh and fish completions
# under PREFIX (DESTDIR for staged installs, as packagers use it).
MANDIR  ?= $(PREFIX)/share/man
BASHDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHDIR ?= $(PREFIX)/share/fish/vendor_completions.d

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ksymoops-go
	install -m 0644 cmd/ksymoops-go/man/ksymoops-go.1 $(DESTDIR)$(MANDIR)/man1/ksymoops-go.1
	install -m 0644 cmd/ksymoops-go/completions/ksymoops-go.bash $(DESTDIR)$(BASHDIR)/ksymoops-go
	install -m 0644 cmd/ksymoops-go/completions/ksymoops-go.zsh $(DESTDIR)$(ZSHDIR)/_ksymoops-go
	install -m 0644 cmd/ksymoops-go/completions/ksymoops-go.fish $(DESTDIR)$(FISHDIR)/ksymoops-go.fish

clean:
	rm -rf bin
