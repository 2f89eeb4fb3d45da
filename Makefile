# Portcullis - a Docker Engine authorization plugin.
# make            build build/portcullis
# make test       install missing Debian packages (as root), build, run every test
# make unit       cmocka unit tests only
# make e2e        end-to-end tests against a real dockerd
# make demo       a private dockerd with the plugin and an example policy

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
CFLAGS     ?= -O2 -g
SAN        ?=
ALL_CFLAGS := $(CFLAGS) $(SAN) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
              -Wformat=2 -Iinclude -DPORTCULLIS_VERSION='"$(VERSION)"'
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS     := -lmicrohttpd -lcjson -lyaml -lpthread -lm
BUILD      ?= build

# Debian packages the build and the tests need.
DEB_BUILD  := gcc make pkg-config libmicrohttpd-dev libcjson-dev libyaml-dev libcmocka-dev
DEB_TEST   := docker.io busybox-static openssl curl valgrind clang logrotate strace jq iproute2
DEB_ALL    := $(DEB_BUILD) $(DEB_TEST)

LIB_SRC    := $(sort $(wildcard rules/*.c) $(filter-out plugin/main.c,$(wildcard plugin/*.c)))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps unit replay asan valgrind fuzz e2e test demo clean install

FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BIN   := $(FUZZ_NAMES:%=$(BUILD)/tests/replay_%)
FUZZ_SECONDS ?= 10
all: $(BUILD)/portcullis

$(BUILD)/obj/%.o: %.c $(wildcard include/*.h) rules/actions.def
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libportcullis.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/portcullis: $(BUILD)/obj/plugin/main.o $(BUILD)/libportcullis.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libportcullis.a $(wildcard tests/unit/*.h tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libportcullis.a $(LDLIBS) -lcmocka

# A fuzz target linked with a plain main() that replays files (no libFuzzer).
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libportcullis.a \
			 $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libportcullis.a $(LDLIBS)

# Installs what is missing when run as root; otherwise names the exact command.
deps:
	@missing=$$(for p in $(DEB_ALL); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:" $$missing; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing packages; run: sudo apt-get install -y $$missing"; exit 1; \
		fi; \
	fi

unit: $(UNIT_BIN) replay
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

# Every fuzz seed and regression input, on every build.
replay: $(REPLAY_BIN)
	@for n in $(FUZZ_NAMES); do $(BUILD)/tests/replay_$$n tests/fuzz/corpus/$$n/* || exit 1; done

# libFuzzer (clang): each target for FUZZ_SECONDS, seeded from tests/fuzz/corpus.
# New inputs go to build/fuzz/corpus; a crash leaves crash-* and fails the run.
fuzz:
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		build/fuzz/libportcullis.a
	@for n in $(FUZZ_NAMES); do \
		clang -O1 -g -std=c11 -D_GNU_SOURCE -Iinclude -fsanitize=fuzzer,address,undefined \
			-o build/fuzz/fuzz_$$n tests/fuzz/fuzz_$$n.c build/fuzz/libportcullis.a $(LDLIBS) || exit 1; \
		mkdir -p build/fuzz/corpus/$$n; \
		build/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 \
			-artifact_prefix=build/fuzz/ build/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			>build/fuzz/$$n.log 2>&1 || { tail -n 30 build/fuzz/$$n.log; exit 1; }; \
		echo "fuzz $$n: $$(grep -o 'Done [0-9]* runs in [0-9]* second' build/fuzz/$$n.log)"; \
	done

# The unit tests, the protocol tests and the main e2e suites (a real dockerd)
# again, under ASan+UBSan: a leak or an error makes the plugin's exit status
# non-zero, which the suites check on SIGTERM.
asan:
	$(MAKE) BUILD=build/asan SAN="$(ASAN_FLAGS)" CFLAGS="-O1 -g" build/asan/portcullis unit
	tests/e2e/protocol.sh build/asan/portcullis
	tests/e2e/run.sh build/asan/portcullis
	tests/e2e/owner.sh build/asan/portcullis

# The unit tests under valgrind memcheck: zero errors, zero leaks.
valgrind: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
		valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all $$t >/dev/null || { echo "valgrind: $$t failed"; fail=1; }; \
	done; [ $$fail = 0 ] && echo "valgrind: $(words $(UNIT_BIN)) unit suites clean"

e2e: $(BUILD)/portcullis
	tests/e2e/protocol.sh $(BUILD)/portcullis
	tests/e2e/run.sh $(BUILD)/portcullis
	tests/e2e/owner.sh $(BUILD)/portcullis
	tests/e2e/rollout.sh $(BUILD)/portcullis
	tests/e2e/examples.sh $(BUILD)/portcullis

test: deps
	$(MAKE) all unit test-policies bench-smoke
	$(MAKE) asan valgrind fuzz
	$(MAKE) e2e e2e-packaging e2e-faults e2e-socket-dockerd

demo: deps
	$(MAKE) all
	contrib/demo.sh $(BUILD)/portcullis

clean:
	rm -rf $(BUILD)

# Further targets, one file per concern (install, plugin, bench, ...).
include $(sort $(wildcard mk/*.mk))
