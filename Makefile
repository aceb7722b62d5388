# calltrack: one GNU Makefile for the library, the five programs, the admin
# command, the tests and the local stack.
#
#   make                 build everything into build/
#   make SANITIZE=address,undefined
#                        the same with sanitizers, into build/ (clean first)
#   make check-sanitize  every suite against a sanitizer build
#   make check-valgrind  the unit suites under valgrind
#   make bench           throughput and latency beside their ceilings, and the
#                        notification sender's
#                        (build/bench/report.md; BENCH_QUICK=1: a smoke run)
#   make check           install what is missing, build, run every test suite
#   make run / stop      the local stack under var/ (PostgreSQL, nginx, programs)
#   make swap PROGRAM=vapi-hook
#                        replace one running program, no request failed
#   make migrate         apply sql/ migrations to the database named by PG* /
#                        CALLTRACK_ADMIN_DB
#   make install PREFIX=/usr/local DESTDIR=
#   make clean
#
# The library is one static library in floors, each a folder of lib/:
#   lib/core/    the serve loop, HTTP, errors, settings, logs, the database
#                connection, crypto, JSON, forms, numbers, the delivery type
#   lib/ingest/  the webhook pipeline: hook, event, spool, signatures, the
#                three providers, reasons, booking, leads, phones,
#                integrations, the refusal limit
#                (phones: phonenumber.cc, the one C++ file, a C face on
#                libphonenumber; every binary links it and the C++ runtime)
#   lib/read/    the dashboard: its handlers, query parameters, tokens
#   lib/ops/     what the admin command and the sweeper run: the spool's
#                drain, the replay of kept events
#   lib/notify/  what calltrack-notify runs: the messages of each kind of
#                destination, the sender's loop
# A header is included by its floor's path ("core/db.h").  A floor includes
# only its own headers and those of the floors before it in that list,
# never one after (tests/bats/floors.bats holds every include to it).

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR      = $(PREFIX)/bin
LIBEXECDIR  = $(PREFIX)/lib/calltrack
DATADIR     = $(PREFIX)/share/calltrack

BUILD      ?= build
PKGS        = fcgi libpq json-c libcrypto
TEST_PKGS   = cunit
# libcurl: only calltrack-notify, calltrack-admin (the sweep's reconciler)
# and the unit tests link it (the library's outbound, notify and reconcile
# modules, which no other program pulls in).
CURL_PKGS   = libcurl

CC         ?= cc
CXX        ?= g++
OPT        ?= -O2
CFLAGS_WARN = -std=c11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
              -Wwrite-strings -Wformat=2 -Wundef -Wshadow -Werror
# The same warnings for lib/'s C++ file, where g++ takes them
# (-Wmissing-declarations is C++'s -Wmissing-prototypes).
CXXFLAGS_WARN = -std=c++17 -Wall -Wextra -Wmissing-declarations -Wformat=2 \
              -Wundef -Wshadow -Werror
# The build's name, reported by each program's health check.
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
CPPFLAGS   += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib
CFLAGS     += $(OPT) -g $(CFLAGS_WARN)
CXXFLAGS   += $(OPT) -g $(CXXFLAGS_WARN)

# Hardened as Debian builds its packages (dpkg-buildflags, hardening=+all):
# stack canaries and position-independent code on every object, full RELRO
# and PIE on every program and the admin command.  _FORTIFY_SOURCE needs
# the optimizer and is left out of sanitizer builds, where ASan's own
# interceptors check the same calls (glibc's checked variants bypass them).
HARDEN_CFLAGS  = -fstack-protector-strong -fPIE
HARDEN_LDFLAGS = -pie -Wl,-z,relro,-z,now
CFLAGS     += $(HARDEN_CFLAGS)
CXXFLAGS   += $(HARDEN_CFLAGS)
LDFLAGS    += $(HARDEN_LDFLAGS)

ifneq ($(strip $(SANITIZE)),)
CFLAGS     += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
CXXFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
else ifneq ($(filter-out -O0,$(OPT)),)
ifneq ($(FORTIFY),0)
CPPFLAGS   += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
endif

# pkg-config is asked only when a target compiles or links, so that
# `make deps`, `make clean` and `make check` (which installs the packages
# first) work on a machine that does not have them yet.
# libphonenumber ships no pkg-config file; it is C++, and so needs the
# C++ runtime where the C compiler links.
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS)) -lphonenumber -lstdc++ -lm
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS))
CURL_CFLAGS = $(shell pkg-config --cflags $(CURL_PKGS))
CURL_LIBS   = $(shell pkg-config --libs $(CURL_PKGS))
TEST_LIBS   = $(shell pkg-config --libs $(TEST_PKGS))

FLOORS      = core ingest read ops notify
LIB_SRCS    = $(foreach f,$(FLOORS),$(wildcard lib/$(f)/*.c))
LIB_CXX_SRCS = $(foreach f,$(FLOORS),$(wildcard lib/$(f)/*.cc))
LIB_OBJS    = $(LIB_SRCS:lib/%.c=$(BUILD)/lib/%.o) \
              $(LIB_CXX_SRCS:lib/%.cc=$(BUILD)/lib/%.o) $(BUILD)/gen/reasons.o \
              $(BUILD)/gen/cost-parts.o
LIBRARY     = $(BUILD)/lib/libcalltrack.a

PROGRAMS    = vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats \
              dashboard-notify dashboard-import dashboard-contacts \
              dashboard-ingest dashboard-sessions
PROG_BINS   = $(PROGRAMS:%=$(BUILD)/cgi-bin/%)
ADMIN       = $(BUILD)/tools/calltrack-admin
ADMIN_SRCS  = $(wildcard tools/admin/*.c)
ADMIN_OBJS  = $(ADMIN_SRCS:tools/admin/%.c=$(BUILD)/tools/admin/%.o)
NOTIFY      = $(BUILD)/tools/calltrack-notify

UNIT_SRCS   = $(wildcard tests/unit/*.c)
UNIT_BIN    = $(BUILD)/tests/unit-tests

.DELETE_ON_ERROR:

.PHONY: all lib deps check test unit check-sanitize check-valgrind check-scale check-citus check-faults run stop \
        migrate install clean fuzz fuzz-build bench bench-build swap

all: $(LIBRARY) $(PROG_BINS) $(ADMIN) $(NOTIFY)

lib: $(LIBRARY)

# Each object depends on the headers it includes, as the compiler found
# them (-MMD -MP writes build/…/x.d beside x.o).  An object without its
# .d file (a build directory older than this rule) is made again, since
# nothing else would tell make which headers it read.
DEPFLAGS    = -MMD -MP
DEPFILES    = $(LIB_OBJS:.o=.d) $(PROG_BINS:=.d) $(ADMIN_OBJS:.o=.d) $(NOTIFY).d \
              $(BUILD)/bench/fcgi-hello.d $(BUILD)/bench/apply-script.d
$(DEPFILES):

$(BUILD)/lib/%.o: lib/%.c $(BUILD)/lib/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.o: lib/%.cc $(BUILD)/lib/%.d
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/lib/core/serve.o: CPPFLAGS += -DCT_VERSION='"$(VERSION)"'

# The providers' end-code tables are data; the build turns them into C.
$(BUILD)/gen/reasons.c: lib/data/vapi-ended-reasons.tsv \
    lib/data/retell-disconnection-reasons.tsv tools/gen-reasons
	@mkdir -p $(@D)
	tools/gen-reasons vapi lib/data/vapi-ended-reasons.tsv \
	    retell lib/data/retell-disconnection-reasons.tsv >$@

$(BUILD)/gen/reasons.o: $(BUILD)/gen/reasons.c $(BUILD)/gen/reasons.d
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# So are the providers' cost part names (lib/data/cost-parts.tsv).
$(BUILD)/gen/cost-parts.c: lib/data/cost-parts.tsv tools/gen-cost-parts
	@mkdir -p $(@D)
	tools/gen-cost-parts lib/data/cost-parts.tsv >$@

$(BUILD)/gen/cost-parts.o: $(BUILD)/gen/cost-parts.c $(BUILD)/gen/cost-parts.d
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(LIBRARY): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/cgi-bin/%: cgi-bin/%.c $(LIBRARY) $(BUILD)/cgi-bin/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBRARY) $(LDFLAGS) $(PKG_LIBS)

# The admin command: one file per noun under tools/admin/ (admin.h).
$(BUILD)/tools/admin/%.o: tools/admin/%.c $(BUILD)/tools/admin/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(ADMIN): $(ADMIN_OBJS) $(LIBRARY)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(ADMIN_OBJS) $(LIBRARY) $(LDFLAGS) $(PKG_LIBS) $(CURL_LIBS)

# The sender: one file, the library beneath it.
$(NOTIFY): tools/notify/main.c $(LIBRARY) $(NOTIFY).d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) $(CURL_CFLAGS) -o $@ $< \
	    $(LIBRARY) $(LDFLAGS) $(PKG_LIBS) $(CURL_LIBS)

$(UNIT_BIN): $(UNIT_SRCS) tests/unit/*.h $(LIBRARY)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(CURL_CFLAGS) -Itests/unit \
	    -o $@ $(UNIT_SRCS) $(LIBRARY) $(LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) $(CURL_LIBS)

-include $(wildcard $(DEPFILES))

# libFuzzer targets (clang), one per parser: the library built again with
# the fuzzer's instrumentation, ASan and UBSan into build/fuzz.
#   make fuzz                      every target, FUZZ_SECONDS (600) each
#   make fuzz FUZZ_TARGETS=vapi FUZZ_SECONDS=60
FUZZ_TARGETS ?= vapi retell twilio form json sig query phone csv contacts sessions
FUZZ_SECONDS ?= 600
FUZZ_BUILD    = build/fuzz
FUZZ_SAN      = address,undefined
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CXX=clang++ SANITIZE=fuzzer-no-link,$(FUZZ_SAN) lib
	$(MAKE) $(FUZZ_BINS)

# Linked by clang++: the library's C++ file needs UBSan's C++ runtime
# (its vptr checks) as well as the C++ library.
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/lib/libcalltrack.a
	@mkdir -p $(FUZZ_BUILD)/obj
	clang $(CPPFLAGS) -g -O1 $(CFLAGS_WARN) $(PKG_CFLAGS) \
	    -fsanitize=fuzzer,$(FUZZ_SAN) -c -o $(FUZZ_BUILD)/obj/fuzz_$*.o $<
	clang++ -g -O1 -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $(FUZZ_BUILD)/obj/fuzz_$*.o \
	    $(FUZZ_BUILD)/lib/libcalltrack.a $(PKG_LIBS)

# Each target starts from the fixtures and keeps what it finds in
# build/fuzz/corpus-<target>; a crash or a leak fails the run.
fuzz: deps
	$(MAKE) fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
	    tests/fuzz/seed $$t $(FUZZ_BUILD)/corpus-$$t; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
	        $(FUZZ_BUILD)/corpus-$$t 2>$(FUZZ_BUILD)/fuzz-$$t.log || \
	        { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_BUILD)/fuzz-$$t.log; \
	done

# The benchmark's own programs: the FastCGI ceiling and the pgbench
# script of the webhook statement.
BENCH_BINS = $(BUILD)/bench/fcgi-hello $(BUILD)/bench/apply-script

$(BUILD)/bench/%: tests/bench/%.c $(LIBRARY) $(BUILD)/bench/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBRARY) $(LDFLAGS) $(PKG_LIBS)

bench-build: all $(BENCH_BINS)

# Starts its own stack, loads a million calls, runs every scenario (at
# most 15 minutes); BENCH_QUICK=1 is the 2-minute smoke run `make check`
# makes.  The build is the optimized one (-O2).
bench: deps
	$(MAKE) bench-build
	tests/bench/run

# Installs the Debian packages the build, the stack and the tests need
# (apt-get as root, else sudo, else a message naming the command).
deps:
	@tools/deps

unit: $(UNIT_BIN)
	$(UNIT_BIN)

# The README's test command: dependencies, build, every suite, one summary.
# The unit suites run under AddressSanitizer and UBSan: a byte written
# past a buffer fails them there, where a plain build would not notice.
check: deps
	$(MAKE) all bench-build
	$(MAKE) BUILD=build/sanitize SANITIZE=address,undefined \
	    build/sanitize/tests/unit-tests
	$(MAKE) fuzz-build
	UNIT_TESTS=$(CURDIR)/build/sanitize/tests/unit-tests tests/run

test: check

# The suites that feed the programs outside input, again with the
# programs, the library and the unit tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (tests/run fails on any sanitizer report in a
# program's log): the unit suites, the fuzz regressions, the fixture
# replays, hostile and malformed input, signatures, CSV files, providers'
# answers to the reconciler.  The slow suites (browser, faults, operations,
# the bench) run once, in make check; SANITIZE_BATS=tests/bats/ runs every
# bats file sanitized.
SANITIZE_BATS ?= $(addprefix tests/bats/,vapi.bats retell.bats twilio.bats \
    replay.bats agents.bats vapi-auth.bats signatures.bats rejections.bats \
    hostile.bats abuse.bats spool.bats import.bats csv.bats reconcile.bats \
    legs.bats)
check-sanitize: deps
	$(MAKE) BUILD=build/sanitize SANITIZE=address,undefined all \
	    build/sanitize/tests/unit-tests
	CALLTRACK_BUILD=$(CURDIR)/build/sanitize CALLTRACK_SANITIZE=address,undefined \
	    BATS_FILES="$(SANITIZE_BATS)" tests/run

# The fault suite alone (it also runs in make check, after the others):
# duplicate storms, same-id races, PostgreSQL killed and locked under
# load, a worker killed mid-request, slow clients.
check-faults: deps
	$(MAKE) all
	BATS_FILES=tests/faults/ tests/run

# calltrack on a Citus cluster of a coordinator and two workers, all on
# loopback sockets: the fixture replays, the dashboard, isolation, the
# spool and a worker stopped under load (tests/citus/run).  Without the
# citus extension it says so and exits 0; make check does not run it.
check-citus: deps
	$(MAKE) all
	tests/citus/run

# The dashboard's queries at a million calls per org: no sequential scan
# of calls in any plan (a few minutes; plans in build/scale/plans.txt).
check-scale: deps
	$(MAKE) all
	tests/scale/run

# The unit suites under valgrind's memcheck.
# Built apart without _FORTIFY_SOURCE: glibc's checked memmove is its
# memcpy, which valgrind takes for a memcpy of overlapping bytes.
# tests/valgrind.supp: libphonenumber's singleton, held until exit.
check-valgrind:
	$(MAKE) BUILD=build/valgrind FORTIFY=0 build/valgrind/tests/unit-tests
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --suppressions=tests/valgrind.supp \
	    --error-exitcode=9 build/valgrind/tests/unit-tests

run: deps
	$(MAKE) all
	tools/stack start var

stop:
	@tools/stack stop var

# Replaces one program of the running `make run` stack with the binary
# built now, without failing a request: make swap PROGRAM=vapi-hook
swap:
	@test -n "$(PROGRAM)" || { echo "usage: make swap PROGRAM=vapi-hook" >&2; exit 2; }
	$(MAKE) $(BUILD)/cgi-bin/$(PROGRAM)
	tools/stack swap var $(PROGRAM)

migrate:
	tools/migrate sql

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(DATADIR)/www $(DESTDIR)$(DATADIR)/nginx \
	    $(DESTDIR)$(DATADIR)/systemd
	install -m 0755 $(PROG_BINS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(ADMIN) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(NOTIFY) $(DESTDIR)$(BINDIR)/
	install -m 0755 tools/migrate $(DESTDIR)$(BINDIR)/calltrack-migrate
	install -m 0644 sql/*.sql $(DESTDIR)$(DATADIR)/sql/
	install -d $(DESTDIR)$(DATADIR)/sql/functions
	install -m 0644 sql/functions/*.sql $(DESTDIR)$(DATADIR)/sql/functions/
	install -d $(DESTDIR)$(DATADIR)/sql/citus
	install -m 0644 sql/citus/*.sql $(DESTDIR)$(DATADIR)/sql/citus/
	install -m 0644 www/* $(DESTDIR)$(DATADIR)/www/
	install -m 0644 nginx/calltrack.conf.in $(DESTDIR)$(DATADIR)/nginx/
	for u in nginx/systemd/*; do \
	    sed 's|/usr/local|$(PREFIX)|g' "$$u" >$(DESTDIR)$(DATADIR)/systemd/$$(basename "$$u"); \
	done

clean:
	rm -rf $(BUILD)
