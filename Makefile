# MigThread build. `make` builds the host tools and runtime, `make cross`
# the runtime for the five foreign ABIs, `make install` puts them under
# PREFIX, `make deb` builds Debian packages, `make check` runs every test
# on every ABI, `make demo` the main job, `make bench` the benchmarks.
#
# Knobs: PREFIX (default /usr/local) and DESTDIR for install; WERROR=1
# turns warnings into errors (make check and CI set it); NO_DEPS=1 keeps
# every target away from apt-get (a packager's build); CPPFLAGS, CFLAGS
# and LDFLAGS apply to the host's objects and tools, CROSS_CFLAGS (default
# CFLAGS) to the foreign ABIs' runtimes.

CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
CFLAGS   ?= -O2 -g
CROSS_CFLAGS ?= $(CFLAGS)
WARN     := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
# -MMD -MP: each object writes the headers it read to a .d file beside it,
# so touching a header rebuilds only the objects that include it.
DEPFLAGS := -MMD -MP
BASEFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Isrc/runtime -Ibuild/xxhash -DXXH_INLINE_ALL
HOST_TRIPLE := $(shell $(CC) -dumpmachine)

# One version, the newest entry of debian/changelog.
VERSION  := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)

# Where libclang and xxHash are, from their own tools.
LLVM_CONFIG ?= llvm-config-14
PKG_CONFIG  ?= pkg-config
LLVM_INCLUDEDIR := $(shell $(LLVM_CONFIG) --includedir 2>/dev/null)
LLVM_LIBDIR     := $(shell $(LLVM_CONFIG) --libdir 2>/dev/null)
XXHASH_INCLUDEDIR := $(shell $(PKG_CONFIG) --variable=includedir libxxhash 2>/dev/null)
# libsodium (the network layer's cryptography) and zstd (its optional
# compression), for the host's tools only.
NETLIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsodium libzstd 2>/dev/null)
NETLIB_LIBS   := $(shell $(PKG_CONFIG) --libs libsodium libzstd 2>/dev/null)

ABIS     := x86_64 i686 aarch64 s390x ppc armhf
FOREIGN  := i686 aarch64 s390x ppc armhf
triple    = $(shell scripts/abi.sh triple $(1))
abicc     = $(shell scripts/abi.sh cc $(1))

RUNTIME_SRC := $(wildcard src/runtime/*.c)
# The conversion engine: layouts, ABIs and the kernels that convert between
# them. It needs nothing of the rest of the runtime (error.c is a leaf),
# and builds as its own archive as well, libmtconvert.a, that the
# CONVERT_TESTS link alone (a call up out of the engine fails their link).
CONVERT_SRC := $(addprefix src/runtime/,arch.c types.c convert.c kernels.c ldouble.c bitfield.c error.c)
CONVERT_TESTS := test_convert test_convert_shuffle test_types test_ldouble
RUNTIME_HDR := $(wildcard src/runtime/*.h) include/migthread.h include/migthread-gen.h include/migthread-heap.h
MTCC_OBJS   := $(patsubst src/mtcc/%.c,build/obj/mtcc/%.o,$(wildcard src/mtcc/*.c))
CLI_OBJS    := $(patsubst src/cli/%.c,build/obj/cli/%.o,$(wildcard src/cli/*.c))
# The network layer (src/net/): keys, handshake, encrypted stream; the
# host's tools link it as libmtnet.a with libsodium.
NET_SRC     := $(wildcard src/net/*.c)
NET_OBJS    := $(patsubst src/net/%.c,build/obj/net/%.o,$(NET_SRC))
NET_LIB     := build/net/libmtnet.a
# Compressed checkpoint files (src/zfile): the host tools only, over
# Debian's libzstd; a program's runtime never links it.
ZFILE_SRC   := $(wildcard src/zfile/*.c)
ZFILE_OBJS  := $(patsubst src/zfile/%.c,build/obj/zfile/%.o,$(ZFILE_SRC))
ZFILE_LIB   := build/zfile/libmtzfile.a

HOST_LIB := build/lib/$(HOST_TRIPLE)/libmigthread.a
HEADERS  := build/include/migthread.h build/include/migthread-gen.h build/include/migthread-heap.h

.PHONY: all cross check check-slurm demo bench bench-convert bench-overhead bench-threads bench-unions bench-migrate bench-fork bench-incremental bench-capspeed bench-compact bench-heaptrack bench-realprogs deps clean unit matrix \
        bench-compress fuzz-smoke fuzz-csmith man install uninstall deb
all: $(HOST_LIB) build/lib/$(HOST_TRIPLE)/libmtconvert.a build/bin/migthread build/bin/migthreadd build/bin/mtcc $(HEADERS)

# Installs the Debian packages the build and the tests need (only those
# missing); NO_DEPS=1 skips it.
deps:
	@$(if $(filter 1,$(NO_DEPS)),:,scripts/install-deps.sh)

# xxhash.h is used header-only (XXH_INLINE_ALL), so the runtime needs no
# libxxhash for the foreign ABIs: each compiler finds the host's header
# through this private include directory.
build/xxhash/xxhash.h:
	@test -n "$(XXHASH_INCLUDEDIR)" || { echo "make: pkg-config knows no libxxhash (make deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	ln -sf $(XXHASH_INCLUDEDIR)/xxhash.h $@

# ---- the runtime, per ABI ----------------------------------------------------
# build/obj/<abi>/*.o -> build/lib/<triple>/libmigthread.a. kernels.c is
# built with -O3 so that its contiguous loops vectorize. The host's ABI
# takes CPPFLAGS and CFLAGS, the others CROSS_CFLAGS.
abiflags = $(if $(filter $(HOST_TRIPLE),$(call triple,$(1))),$(CPPFLAGS) $(CFLAGS),$(CROSS_CFLAGS))
define runtime_rules
build/obj/$(1)/%.o: src/runtime/%.c | build/xxhash/xxhash.h
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(DEPFLAGS) $$(call abiflags,$(1)) $$(if $$(filter kernels.c,$$(notdir $$<)),-O3) -c $$< -o $$@

build/lib/$(call triple,$(1))/libmigthread.a: $(patsubst src/runtime/%.c,build/obj/$(1)/%.o,$(RUNTIME_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^

build/lib/$(call triple,$(1))/libmtconvert.a: $(patsubst src/runtime/%.c,build/obj/$(1)/%.o,$(CONVERT_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach abi,$(ABIS),$(eval $(call runtime_rules,$(abi))))

cross: $(foreach abi,$(FOREIGN),build/lib/$(call triple,$(abi))/libmigthread.a build/lib/$(call triple,$(abi))/libmtconvert.a)

# ---- host tools -------------------------------------------------------------------
# Each source of mtcc and of the migthread command is one object, so make -j
# compiles them side by side and a change recompiles only its own file.
# The version reaches the two files that print it.
TOOLFLAGS = $(BASEFLAGS) $(DEPFLAGS) -DMIGTHREAD_VERSION='"$(VERSION)"' $(CPPFLAGS) $(CFLAGS)
build/obj/mtcc/driver.o build/obj/cli/main.o: debian/changelog

build/obj/cli/%.o: src/cli/%.c | build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOLFLAGS) -Isrc/zfile -c $< -o $@

build/bin/migthread: $(CLI_OBJS) $(HOST_LIB) $(NET_LIB) $(ZFILE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(NETLIB_LIBS) -lpthread -o $@

# The network layer is compiled without the runtime's include paths, so
# an include of a runtime header (a call up or sideways) fails its build.
NETFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(DEPFLAGS) $(NETLIB_CFLAGS) $(CPPFLAGS) $(CFLAGS)
build/obj/net/%.o: src/net/%.c
	@test -n "$(NETLIB_LIBS)" || { echo "make: pkg-config knows no libsodium or no libzstd (make deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(NETFLAGS) -c $< -o $@

$(NET_LIB): $(NET_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# (like the network layer: no runtime include path, a leaf under the tools)
build/obj/zfile/%.o: src/zfile/%.c
	@test -n "$(NETLIB_LIBS)" || { echo "make: pkg-config knows no libzstd (make deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(NETFLAGS) -c $< -o $@

$(ZFILE_LIB): $(ZFILE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# migthreadd (src/daemon/): over the network layer only, without the
# runtime's include paths (it runs builds, it never restores itself).
DAEMON_OBJS := $(patsubst src/daemon/%.c,build/obj/daemon/%.o,$(wildcard src/daemon/*.c))
# (main.o prints the version: it is rebuilt when debian/changelog changes.)
build/obj/daemon/main.o: debian/changelog
build/obj/daemon/%.o: src/daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NETFLAGS) -DMIGTHREAD_VERSION='"$(VERSION)"' -Isrc/net -c $< -o $@

build/bin/migthreadd: $(DAEMON_OBJS) $(NET_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(NETLIB_LIBS) -o $@

# mtcc links libclang (Debian's lives in the default library path: no
# rpath); the headers its output includes go to build/include.
build/obj/mtcc/%.o: src/mtcc/%.c | build/xxhash/xxhash.h build/gen/libc_spec.inc
	@test -n "$(LLVM_INCLUDEDIR)" || { echo "make: $(LLVM_CONFIG) is missing (make deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(TOOLFLAGS) -Ibuild/gen -I$(LLVM_INCLUDEDIR) -c $< -o $@

build/bin/mtcc: $(MTCC_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -L$(LLVM_LIBDIR) -lclang -o $@

# The built-in spec of the heap functions (docs/lib-spec.md), compiled into
# mtcc as one C string: each line quoted, backslashes and quotes escaped.
build/gen/libc_spec.inc: share/migthread/libc.spec
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

build/include/%.h: include/%.h
	@mkdir -p $(dir $@)
	cp $< $@

# ---- man pages, pkg-config, install, Debian packages -------------------------------------------------
# The man pages are help2man's rendering of --help and --version, with the
# sections --help does not carry from docs/man/*.h2m: they cannot drift
# from the programs (tests/install.sh compares them).
MANPAGES = build/man/mtcc.1 build/man/migthread.1 build/man/migthreadd.1
man: $(MANPAGES)
build/man/%.1: build/bin/% docs/man/%.h2m
	@command -v help2man >/dev/null || { echo "make: help2man is missing (make deps)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	help2man --no-info --include=docs/man/$*.h2m --output=$@ $<

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/migthread
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

build/migthread.pc: src/runtime/migthread.pc.in debian/changelog FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	     -e 's|@TRIPLE@|$(HOST_TRIPLE)|; s|@VERSION@|$(VERSION)|' $< >$@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
FORCE:

# The runtime of every ABI whose compiler is installed (the host's always)
# goes to LIBDIR/migthread/<triple>/; mtcc finds them, and the headers in
# INCLUDEDIR/migthread, relative to itself.
have_cc = $(shell command -v $(firstword $(call abicc,$(1))) 2>/dev/null)
BUILT_LIBS = $(sort $(HOST_LIB) $(foreach abi,$(FOREIGN),$(if $(call have_cc,$(abi)),build/lib/$(call triple,$(abi))/libmigthread.a)))
# migthreadd goes to BINDIR with the other tools, its page to man1: it is a
# daemon each user starts for themselves (it runs the programs it receives
# as its own user and needs no privilege), like ssh-agent or gpg-agent, and
# an ordinary user's PATH has no sbin. Its systemd user unit is an example
# only (DOCDIR/examples): installing enables nothing.
TOOLS = mtcc migthread migthreadd
# The documents the man pages cite go to DOCDIR beside the examples.
DOCS = README.md docs/design.md docs/checkpoint-format.md docs/security.md docs/lib-spec.md
install: all man build/migthread.pc $(BUILT_LIBS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR)/migthread $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(addprefix build/bin/,$(TOOLS)) $(DESTDIR)$(BINDIR)
	install -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/migthread
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1
	install -m 644 examples/systemd/migthreadd.service $(DESTDIR)$(DOCDIR)/examples
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)
	install -m 644 build/migthread.pc $(DESTDIR)$(PKGCONFIGDIR)
	set -e; for lib in $(BUILT_LIBS); do \
	    t=$$(basename $$(dirname $$lib)); \
	    install -d $(DESTDIR)$(LIBDIR)/migthread/$$t; \
	    install -m 644 $$lib $(DESTDIR)$(LIBDIR)/migthread/$$t; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS)) $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(TOOLS)))
	rm -f $(DESTDIR)$(DOCDIR)/examples/migthreadd.service $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/migthread.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/migthread $(DESTDIR)$(LIBDIR)/migthread

# The Debian packages, built from a copy of the sources in build/deb (the
# packaging's own clean step must not remove this build tree), then
# checked by lintian: build/deb/*.deb.
deb: deps
	rm -rf build/deb && mkdir -p build/deb/migthread-$(VERSION)
	tar --exclude=./build --exclude=./.git -cf - . | tar -C build/deb/migthread-$(VERSION) -xf -
	cd build/deb/migthread-$(VERSION) && dpkg-buildpackage -b -us -uc -jauto
	lintian --fail-on error,warning build/deb/*.changes

# ---- tests ------------------------------------------------------------------------------
# Every test program is built for every ABI: build/test/<abi>/<name> (no
# .d files there: tests/run-unit.sh runs every file; a test is relinked
# whenever its runtime changes, and so after any runtime header).
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

# (static on the 32-bit ABIs: qemu-i386 and qemu-arm hang in a dynamically
# linked program's first pthread_create, and test_heap starts threads)
define test_rules
build/test/$(1)/%: tests/unit/%.c tests/unit/check.h build/lib/$(call triple,$(1))/libmigthread.a
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) -Itests/unit $$< build/lib/$(call triple,$(1))/libmigthread.a $(if $(filter i686 armhf,$(1)),-static) -o $$@

# The engine's tests link libmtconvert.a and nothing else.
$(addprefix build/test/$(1)/,$(CONVERT_TESTS)): build/test/$(1)/%: tests/unit/%.c tests/unit/check.h build/lib/$(call triple,$(1))/libmtconvert.a
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) -Itests/unit $$< build/lib/$(call triple,$(1))/libmtconvert.a -o $$@

build/test/$(1)/matrix: tests/matrix/matrix.c build/lib/$(call triple,$(1))/libmigthread.a
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) $$< build/lib/$(call triple,$(1))/libmigthread.a -o $$@

build/test/$(1)/tree_mt: tests/handmade/tree_mt.c include/migthread-gen.h build/lib/$(call triple,$(1))/libmigthread.a
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) $$< build/lib/$(call triple,$(1))/libmigthread.a -o $$@
endef
$(foreach abi,$(ABIS),$(eval $(call test_rules,$(abi))))

# The same unit tests, natively, with AddressSanitizer and UBSan over the
# runtime's sources.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
build/test/asan/%: tests/unit/%.c tests/unit/check.h $(RUNTIME_SRC) $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O1 -g $(SAN) -Itests/unit $< $(RUNTIME_SRC) -o $@

# (the engine's tests over the engine's sources only)
$(addprefix build/test/asan/,$(CONVERT_TESTS)): build/test/asan/%: tests/unit/%.c tests/unit/check.h $(CONVERT_SRC) $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O1 -g $(SAN) -Itests/unit $< $(CONVERT_SRC) -o $@

UNIT_BINS := $(foreach abi,$(ABIS),$(addprefix build/test/$(abi)/,$(UNIT_TESTS))) \
             $(addprefix build/test/asan/,$(UNIT_TESTS))
MATRIX_BINS := $(foreach abi,$(ABIS),build/test/$(abi)/matrix)
HANDMADE_BINS := $(foreach abi,$(ABIS),build/test/$(abi)/tree_mt)

# The compressed container's reader (src/zfile), fuzzed alone.
build/test/fuzz_zfile: tests/fuzz/fuzz_zfile.c $(ZFILE_SRC) src/zfile/zfile.h
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE $(WARN) $(NETLIB_CFLAGS) -Isrc/zfile -O1 -g -fsanitize=fuzzer,address,undefined $< $(ZFILE_SRC) $(NETLIB_LIBS) -o $@

# The fuzz target: libFuzzer through clang, over the container reader.
build/test/fuzz_ckpt: tests/fuzz/fuzz_ckpt.c $(RUNTIME_SRC) $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	clang $(BASEFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $< $(RUNTIME_SRC) -o $@

# The runtime under ThreadSanitizer, for tests/threads.sh (MTCC_LIBDIR).
TSAN_OBJS := $(patsubst src/runtime/%.c,build/tsan/obj/%.o,$(RUNTIME_SRC))
build/tsan/obj/%.o: src/runtime/%.c | build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	gcc $(BASEFLAGS) $(DEPFLAGS) -O1 -g -fsanitize=thread -c $< -o $@
# the kernels' ifunc resolvers run before TSan is set up; they touch no shared state
build/tsan/obj/kernels.o: src/runtime/kernels.c | build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	gcc $(BASEFLAGS) $(DEPFLAGS) -O2 -c $< -o $@
build/tsan/lib/x86_64-linux-gnu/libmigthread.a: $(TSAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(ABIS)

matrix: $(MATRIX_BINS)
	@tests/matrix.sh

# The network layer's test, natively over libmtnet.a and with ASan/UBSan
# over its sources (tests/net.sh runs both).
NET_TESTS := build/test/net/test_net build/test/asan/net/test_net
build/test/net/test_net: tests/net/test_net.c tests/unit/check.h $(wildcard src/net/*.h) $(NET_LIB)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(NETLIB_CFLAGS) -Isrc/net -Itests/unit $< $(NET_LIB) $(NETLIB_LIBS) -lpthread -o $@
build/test/asan/net/test_net: tests/net/test_net.c tests/unit/check.h $(NET_SRC) $(wildcard src/net/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN) $(NETLIB_CFLAGS) -Isrc/net -Itests/unit $< $(NET_SRC) $(NETLIB_LIBS) -lpthread -o $@

# migthreadd with AddressSanitizer and UBSan over its sources and the
# network layer's, for tests/migrate-hosts.sh (a report fails the suite).
DAEMON_SRC := $(wildcard src/daemon/*.c)
build/asan/migthreadd: $(DAEMON_SRC) $(wildcard src/daemon/*.h) $(NET_SRC) $(wildcard src/net/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(SAN) $(NETLIB_CFLAGS) -DMIGTHREAD_VERSION='"$(VERSION)"' -Isrc/net $(DAEMON_SRC) $(NET_SRC) $(NETLIB_LIBS) -o $@

fuzz-smoke: build/test/fuzz_ckpt build/test/fuzz_zfile $(MATRIX_BINS)
	@tests/fuzz-smoke.sh

# Differential testing on csmith programs: COUNT programs from seed SEED
# (tests/csmith.sh; docs/design.md records the long runs).
COUNT ?= 100
SEED ?= 1
fuzz-csmith: deps
	@$(SUBMAKE) all cross
	@COUNT=$(COUNT) SEED=$(SEED) tests/csmith.sh

# The builds that check, demo and the benchmarks start use every processor
# unless the caller's make already shares its jobs (make -jN check).
SUBMAKE = $(MAKE) --no-print-directory $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(shell nproc))

# make check builds with -Werror (WERROR=1 unless set otherwise), and so
# do the makes its tests start (the variable travels in MAKEFLAGS).
check: deps
	@$(SUBMAKE) WERROR=$(or $(WERROR),1) all cross
	@$(SUBMAKE) WERROR=$(or $(WERROR),1) $(UNIT_BINS) $(MATRIX_BINS) $(HANDMADE_BINS) $(NET_TESTS) build/test/fuzz_ckpt build/test/fuzz_zfile build/bin/migthread build/asan/migthreadd
	@WERROR=$(or $(WERROR),1) tests/check.sh

# migthread run under a Slurm cluster that tests/slurm.sh starts and stops
# (make check runs it too, through tests/check.sh).
check-slurm: deps
	@$(SUBMAKE) all cross
	@tests/slurm.sh

demo: deps
	@$(SUBMAKE) all cross
	@scripts/demo.sh

# ---- benchmarks ------------------------------------------------------------------
build/bench/bench_convert: bench/bench_convert.c $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -I/usr/include/tirpc $< $(HOST_LIB) -ltirpc -o $@

bench-convert: deps
	@$(SUBMAKE) build/bench/bench_convert
	build/bench/bench_convert
	bench/callgrind.sh

bench-overhead: deps
	@$(SUBMAKE) all cross
	bench/overhead.sh
	bench/recforms.sh

bench-threads: deps
	@$(SUBMAKE) all
	bench/threads.sh

bench-unions: deps
	@$(SUBMAKE) all
	bench/unions.sh

# live migration on tbf-shaped links between two network namespaces (root;
# FULL=1 adds the 1 GB state, about 4 minutes more)
bench-migrate: deps
	@$(SUBMAKE) all
	bench/migrate.sh $(if $(FULL),--full)

bench-fork: deps
	@$(SUBMAKE) all
	bench/forkstop.sh

# capture speed into the page cache, fsync apart (CAPSPEED_MB, CAPSPEED_RUNS)
bench-capspeed: deps
	@$(SUBMAKE) all
	bench/capspeed.sh

# heap tracking's cost: churn and prodcons, instructions and peak RSS against plain (issue 17)
bench-heaptrack: deps
	@$(SUBMAKE) all
	bench/heaptrack.sh

# BENCH_INCR_MB (default 256): the heap of the incremental checkpoint benchmark.
bench-incremental: deps
	@$(SUBMAKE) all
	bench/incremental.sh

# compressed checkpoint files against plain ones (ZSTATE_MB, ZSTATE_RUNS)
bench-compress: deps
	@$(SUBMAKE) all
	bench/compress.sh

# compact state: 10^6 small blocks, zero pages, restore time and memory
# (COMPACT_RUNS; COMPACT_CALLGRIND=1 adds instruction counts)
bench-compact: deps
	@$(SUBMAKE) all
	bench/compact.sh

# mtcc's cost on public benchmark programs fetched outside the repository
# into REALPROGS_SRC (docs/realprogs.md says how; skipped with one line without them)
bench-realprogs: deps
	@$(SUBMAKE) all
	bench/realprogs.sh "$(REALPROGS_SRC)"

bench: bench-compress bench-convert bench-overhead bench-heaptrack bench-threads bench-unions bench-fork bench-incremental bench-capspeed bench-compact bench-realprogs bench-migrate

clean:
	rm -rf build

# The dependency files the compilers wrote (none before the first build).
-include $(wildcard build/obj/*/*.d build/tsan/obj/*.d)
