# MigThread build. `make` builds the host tools and runtime, `make cross`
# the runtime for the five foreign ABIs, `make check` runs every test on
# every ABI, `make demo` the main job, `make bench` the benchmarks.

CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
BASEFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Isrc/runtime -Ibuild/xxhash -DXXH_INLINE_ALL
HOST_TRIPLE := $(shell $(CC) -dumpmachine)

ABIS     := x86_64 i686 aarch64 s390x ppc armhf
FOREIGN  := i686 aarch64 s390x ppc armhf
triple    = $(shell scripts/abi.sh triple $(1))
abicc     = $(shell scripts/abi.sh cc $(1))

RUNTIME_SRC := $(wildcard src/runtime/*.c)
RUNTIME_HDR := $(wildcard src/runtime/*.h) include/migthread.h include/migthread-gen.h

HOST_LIB := build/lib/$(HOST_TRIPLE)/libmigthread.a

.PHONY: all cross check demo bench bench-convert bench-overhead bench-threads bench-unions deps clean unit matrix fuzz-smoke fuzz-csmith
all: $(HOST_LIB) build/bin/migthread build/bin/mtcc build/include/migthread.h build/include/migthread-gen.h

deps:
	@scripts/install-deps.sh

# xxhash.h is used header-only (XXH_INLINE_ALL), so the runtime needs no
# libxxhash for the foreign ABIs: each compiler finds the host's header
# through this private include directory.
build/xxhash/xxhash.h:
	@mkdir -p $(dir $@)
	ln -sf /usr/include/xxhash.h $@

# ---- the runtime, per ABI ----------------------------------------------------
# build/obj/<abi>/*.o -> build/lib/<triple>/libmigthread.a. kernels.c is
# built with -O3 so that its contiguous loops vectorize.
define runtime_rules
build/obj/$(1)/%.o: src/runtime/%.c $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) $$(if $$(filter kernels.c,$$(notdir $$<)),-O3) -c $$< -o $$@

build/lib/$(call triple,$(1))/libmigthread.a: $(patsubst src/runtime/%.c,build/obj/$(1)/%.o,$(RUNTIME_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach abi,$(ABIS),$(eval $(call runtime_rules,$(abi))))

cross: $(foreach abi,$(FOREIGN),build/lib/$(call triple,$(abi))/libmigthread.a)

# ---- host tools -------------------------------------------------------------------
build/bin/migthread: $(wildcard src/cli/*.c) $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(filter %.c,$^) $(HOST_LIB) -o $@

# mtcc links libclang; the headers its output includes go to build/include.
LLVM := /usr/lib/llvm-14
build/bin/mtcc: $(wildcard src/mtcc/*.c src/mtcc/*.h) build/xxhash/xxhash.h build/gen/libc_spec.inc
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -Ibuild/gen -I$(LLVM)/include $(filter %.c,$^) -L$(LLVM)/lib -lclang -Wl,-rpath,$(LLVM)/lib -o $@

# The built-in spec of the heap functions (docs/lib-spec.md), compiled into
# mtcc as one C string: each line quoted, backslashes and quotes escaped.
build/gen/libc_spec.inc: share/migthread/libc.spec
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

build/include/%.h: include/%.h
	@mkdir -p $(dir $@)
	cp $< $@

# ---- tests ------------------------------------------------------------------------------
# Every test program is built for every ABI: build/test/<abi>/<name>.
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

define test_rules
build/test/$(1)/%: tests/unit/%.c tests/unit/check.h build/lib/$(call triple,$(1))/libmigthread.a
	@mkdir -p $$(dir $$@)
	$$(call abicc,$(1)) $(BASEFLAGS) $(CFLAGS) -Itests/unit $$< build/lib/$(call triple,$(1))/libmigthread.a -o $$@

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

UNIT_BINS := $(foreach abi,$(ABIS),$(addprefix build/test/$(abi)/,$(UNIT_TESTS))) \
             $(addprefix build/test/asan/,$(UNIT_TESTS))
MATRIX_BINS := $(foreach abi,$(ABIS),build/test/$(abi)/matrix)
HANDMADE_BINS := $(foreach abi,$(ABIS),build/test/$(abi)/tree_mt)

# The fuzz target: libFuzzer through clang, over the container reader.
build/test/fuzz_ckpt: tests/fuzz/fuzz_ckpt.c $(RUNTIME_SRC) $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	clang $(BASEFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $< $(RUNTIME_SRC) -o $@

# The runtime under ThreadSanitizer, for tests/threads.sh (MTCC_LIBDIR).
TSAN_OBJS := $(patsubst src/runtime/%.c,build/tsan/obj/%.o,$(RUNTIME_SRC))
build/tsan/obj/%.o: src/runtime/%.c $(RUNTIME_HDR) build/xxhash/xxhash.h
	@mkdir -p $(dir $@)
	gcc $(BASEFLAGS) -O1 -g -fsanitize=thread -c $< -o $@
# the kernels' ifunc resolvers run before TSan is set up; they touch no shared state
build/tsan/obj/kernels.o: src/runtime/kernels.c $(RUNTIME_HDR)
	@mkdir -p $(dir $@)
	gcc $(BASEFLAGS) -O2 -c $< -o $@
build/tsan/lib/x86_64-linux-gnu/libmigthread.a: $(TSAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(ABIS)

matrix: $(MATRIX_BINS)
	@tests/matrix.sh

fuzz-smoke: build/test/fuzz_ckpt $(MATRIX_BINS)
	@tests/fuzz-smoke.sh

# Differential testing on csmith programs: COUNT programs from seed SEED
# (tests/csmith.sh; docs/design.md records the long runs).
COUNT ?= 100
SEED ?= 1
fuzz-csmith: deps
	@$(MAKE) --no-print-directory all cross
	@COUNT=$(COUNT) SEED=$(SEED) tests/csmith.sh

check: deps
	@$(MAKE) --no-print-directory all cross
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(MATRIX_BINS) $(HANDMADE_BINS) build/test/fuzz_ckpt build/bin/migthread
	@tests/check.sh

demo: deps
	@$(MAKE) --no-print-directory all cross
	@scripts/demo.sh

# ---- benchmarks ------------------------------------------------------------------
build/bench/bench_convert: bench/bench_convert.c $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -I/usr/include/tirpc $< $(HOST_LIB) -ltirpc -o $@

bench-convert: deps
	@$(MAKE) --no-print-directory build/bench/bench_convert
	build/bench/bench_convert
	bench/callgrind.sh

bench-overhead: deps
	@$(MAKE) --no-print-directory all cross
	bench/overhead.sh

bench-threads: deps
	@$(MAKE) --no-print-directory all
	bench/threads.sh

bench-unions: deps
	@$(MAKE) --no-print-directory all
	bench/unions.sh

bench: bench-convert bench-overhead bench-threads bench-unions

clean:
	rm -rf build
