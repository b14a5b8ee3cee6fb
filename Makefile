# Build, demo, test, install. `make help` lists the targets.
PREFIX ?= /usr/local
# A fully static executable starts in about a millisecond (no dynamic loader, no symbol lookups).
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -static-executable
BIN = .build/release/softadastra

.PHONY: help release demo test tsan bench install uninstall docs docs-site format lint clean

help:
	@echo "make release    build $(BIN), statically linked"
	@echo "make demo       build, then put and get a key in data/ (the default embedded setup)"
	@echo "make test       install what the tests need (mandoc, rclone) when missing, then run swift test"
	@echo "make tsan       run the tests of threads and processes at once under ThreadSanitizer"
	@echo "make bench      run the benchmark suite against sqlite3, RocksDB's ldb and GRDB (bench/run.sh)"
	@echo "make install    install the binary, man pages and completions under PREFIX=$(PREFIX)"
	@echo "make uninstall  remove what make install put there"
	@echo "make docs       regenerate the shell completions from the debug binary"
	@echo "make docs-site  build the library's DocC documentation (any DocC warning fails)"
	@echo "make format     format the sources as .swift-format says; make lint checks (as CI does)"

release:
	swift build $(RELEASE_FLAGS)

demo: release
	$(BIN) store put settings/theme dark
	$(BIN) store get settings/theme
	$(BIN) status

test:
	scripts/test-deps.sh
	swift test

# Any report of ThreadSanitizer stops the run (a failure), not just a warning in the log.
TSAN = --sanitize=thread --scratch-path .build-tsan
TSAN_SUITES = NodeTests|ClientTests|LiveNodeTests|CheckpointRecoveryTests|ChangeTableTests
tsan:
	swift build --build-tests $(TSAN)
	TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 swift test --skip-build $(TSAN) --filter "$(TSAN_SUITES)"

bench:
	bench/run.sh

install: release
	scripts/install.sh --prefix $(PREFIX) --binary $(BIN)

uninstall:
	scripts/install.sh --uninstall --prefix $(PREFIX)

docs:
	swift build
	scripts/update-completions.sh

docs-site:
	swift package generate-documentation --target Softadastra --warnings-as-errors

clean:
	rm -rf .build

SWIFT_SOURCES = Sources Tests fuzz Package.swift bench/library/Package.swift bench/library/Sources

format:
	swift format format --in-place --recursive $(SWIFT_SOURCES)

lint:
	swift format lint --strict --recursive $(SWIFT_SOURCES)
