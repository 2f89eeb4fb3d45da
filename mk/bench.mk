# SPDX-License-Identifier: Apache-2.0
# bench.mk - performance measurement (tests/bench/README.md); never part of `make test`.
#
# make bench        side-by-side figures against a no-op libmicrohttpd plugin (a few minutes)
# make bench-micro  the decision core in-process: ns per request (warm and cold), 10 vs 1,000 rules
# make callgrind    instructions per decision and where they go
# make bench-smoke  every bench program once, briefly (seconds; no figures)
# make bench-calibrate  the ratio a decision of N us of CPU would read, a plain cJSON
#                   read of the request (noop --read-body), and decoding its body alone
#                   (noop --touch-body; a few minutes)
# make bench-simdjson  the same, with the request read by simdjson too (an experiment:
#                   needs libsimdjson-dev and g++, which `make test` does not install)
# make bench-versus OTHER=BIN  this build's portcullis against BIN, side by side
#                   (keep a copy of build/portcullis before a change; two minutes)
# make bench-docker e2e `docker run --rm` through two private dockerds, with the plugin
#                   and without (tests/bench/docker_run.sh; about a minute). Like the e2e
#                   tests it needs root, docker.io, busybox-static, openssl and curl. Not
#                   part of `make bench`, which must not need dockerd.

BENCH_DIR := $(BUILD)/bench
BENCH_BIN := $(BENCH_DIR)/loadgen $(BENCH_DIR)/noop $(BENCH_DIR)/micro

.PHONY: bench bench-micro callgrind bench-smoke bench-build bench-docker bench-calibrate bench-simdjson \
	bench-versus

$(BENCH_DIR)/loadgen: tests/bench/loadgen.c tests/bench/reqset.c tests/bench/reqset.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ tests/bench/loadgen.c tests/bench/reqset.c $(LDLIBS)

$(BENCH_DIR)/noop: tests/bench/noop.c $(BUILD)/libportcullis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libportcullis.a $(LDLIBS)

$(BENCH_DIR)/micro: tests/bench/micro.c tests/bench/reqset.c tests/bench/reqset.h $(BUILD)/libportcullis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ tests/bench/micro.c tests/bench/reqset.c \
		$(BUILD)/libportcullis.a $(LDLIBS)

bench-build: $(BUILD)/portcullis $(BENCH_BIN)

bench: bench-build
	tests/bench/run.sh bench $(BUILD)

bench-micro: bench-build
	tests/bench/run.sh micro $(BUILD)

callgrind: bench-build
	tests/bench/run.sh callgrind $(BUILD)

bench-smoke: bench-build
	tests/bench/run.sh smoke $(BUILD)

bench-calibrate: bench-build
	tests/bench/run.sh calibrate $(BUILD)

# An experiment, not a dependency: the calibration with a row for the request
# read by simdjson (C++; apt-get install libsimdjson-dev g++). Never part of
# `make test`.
$(BENCH_DIR)/noop-simdjson: tests/bench/noop.c tests/bench/simdjson_read.cpp $(BUILD)/libportcullis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNOOP_SIMDJSON -c -o $@.o tests/bench/noop.c
	$(CXX) -O2 -std=c++17 -Wall -Wextra -Werror -Iinclude -c -o $@-read.o tests/bench/simdjson_read.cpp
	$(CXX) -o $@ $@.o $@-read.o $(BUILD)/libportcullis.a -lsimdjson $(LDLIBS)

bench-simdjson: bench-build $(BENCH_DIR)/noop-simdjson
	tests/bench/run.sh calibrate $(BUILD)

bench-versus: bench-build all
	@[ -n "$(OTHER)" ] || { echo "usage: make bench-versus OTHER=path/to/portcullis"; exit 2; }
	tests/bench/run.sh versus $(BUILD) $(OTHER)

bench-docker: $(BUILD)/portcullis
	CC="$(CC)" tests/bench/docker_run.sh $(BUILD)
