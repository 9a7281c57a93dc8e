# Thin wrapper around Meson: `make run` and `make check` are the two entry points (README).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
MESON      ?= meson
WERROR     ?= true

.PHONY: all deps build asan check unit guest e2e run run-debian rootfs bench format clean \
	fuzz-build fuzz

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) -Dwerror=$(WERROR)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Dwerror=$(WERROR) -Dbuildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false

asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

# libFuzzer targets (tests/fuzz, docs/fuzzing.md): a clang build of their own.
$(FUZZ_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(FUZZ_BUILD) -Dwerror=$(WERROR) -Dfuzz=true

fuzz-build: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz

# All tests: every suite (unit, guest, cli, e2e) on the optimised build, then the unit and
# guest tests again under AddressSanitizer + UndefinedBehaviorSanitizer, each fuzz target
# briefly on its seeds; then one summary line.
check: deps build asan fuzz-build
	$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 --suite unit --suite guest
	$(MESON) test -C $(FUZZ_BUILD) --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz
	@scripts/test-summary.py $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json \
		$(FUZZ_BUILD)/meson-logs/testlog.json

unit: build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite unit

guest: build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite guest

# Linux boots end to end (tests/e2e; fetches Debian's kernel and busybox on first use).
e2e: deps build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite e2e

# Every fuzz target for FUZZ_SECONDS each, two at a time; what they find stays in
# $(FUZZ_BUILD)/tests/fuzz/work/<target>/ (corpus/ and artifacts/), not in the repository.
fuzz: deps fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(MESON) test -C $(FUZZ_BUILD) --no-rebuild --print-errorlogs \
		--num-processes 2 --suite fuzz --timeout-multiplier 0

run: deps build
	@scripts/run-demo.sh $(BUILD)

# A full Debian system with systemd from a disk image (scripts/mkrootfs.sh builds it once).
run-debian: deps build
	@scripts/run-debian.sh $(BUILD)

# Builds (or finds cached) the Debian root file system image and prints its path.
rootfs: deps build
	@VIREO=$(BUILD)/vireo scripts/mkrootfs.sh

bench: deps build
	@bench/cpu.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
