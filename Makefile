# Thin wrapper around Meson: `make run` and `make check` are the two entry points (README).
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
WERROR     ?= true

.PHONY: all deps build asan check unit guest e2e run run-debian rootfs bench format clean

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

# All tests: every suite (unit, guest, cli, e2e) on the optimised build, then the unit and
# guest tests again under AddressSanitizer + UndefinedBehaviorSanitizer; then one summary line.
check: deps build asan
	$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 --suite unit --suite guest
	@scripts/test-summary.py $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json

unit: build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite unit

guest: build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite guest

# Linux boots end to end (tests/e2e; fetches Debian's kernel and busybox on first use).
e2e: deps build
	$(MESON) test -C $(BUILD) --print-errorlogs --suite e2e

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
	rm -rf $(BUILD) $(ASAN_BUILD)
