# ksymoops-go: build, test, fuzz.
GO       ?= go
PREFIX   ?= /usr/local
BIN      := bin/ksymoops-go
FUZZTIME ?= 30s

.PHONY: all build test check vet fmt-check race fuzz bench demo docs install clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/ksymoops-go

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

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
	install -m 0644 doc/ksymoops-go.1 $(DESTDIR)$(MANDIR)/man1/ksymoops-go.1
	install -m 0644 completions/ksymoops-go.bash $(DESTDIR)$(BASHDIR)/ksymoops-go
	install -m 0644 completions/ksymoops-go.zsh $(DESTDIR)$(ZSHDIR)/_ksymoops-go
	install -m 0644 completions/ksymoops-go.fish $(DESTDIR)$(FISHDIR)/ksymoops-go.fish

clean:
	rm -rf bin
