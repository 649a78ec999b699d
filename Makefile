# ruvector: PGXS build.
#
#   make                      build (portable: kernels are picked at run time)
#   make install              install into the PostgreSQL that pg_config names
#   make install WITH_COMPAT=no   ruvector without its pgvector-compatible
#                             extension `vector` (e.g. next to the real pgvector)
#   make installcheck         pg_regress against a running server
#   make kernel-check         standalone kernel tests (test/kernels)
#   make OPTFLAGS=-march=native   build for this machine only
#   make LTO=0                link-time optimisation off (on when the compiler has it)
#   make SANITIZE=1           AddressSanitizer + UndefinedBehaviorSanitizer build
#                             (LTO off): scripts/sanitize.sh builds it, installs
#                             it into a private prefix and runs pg_regress on it
#   make pgo                  profile-guided build: instrumented build, a bench
#                             workload (scripts/pgo-workload.sh), rebuild with the
#                             profile; then `make install` as usual

EXTENSION = ruvector
MODULE_big = ruvector
# The scripts of each version that has one (kept, so that CREATE EXTENSION
# ... VERSION installs them) and the update scripts between; the current
# version (ruvector.control) has no script of its own: CREATE EXTENSION runs
# the newest script before it and the update scripts from there.
DATA = sql/ruvector--0.3.0.sql sql/ruvector--0.2.0.sql sql/ruvector--0.1.0.sql \
	sql/ruvector--0.1.0--0.2.0.sql sql/ruvector--0.2.0--0.3.0.sql sql/ruvector--0.3.0--0.4.0.sql

OBJS = \
	src/ruvector.o \
	src/simd/cpu.o \
	src/simd/dispatch.o \
	src/simd/kernels_scalar.o \
	src/simd/kernels_avx2.o \
	src/simd/kernels_avx512.o \
	src/simd/kernels_avx512vnni.o \
	src/simd/simd_guc.o \
	src/simd/rabitq.o \
	src/simd/rabitq_avx2.o \
	src/simd/rabitq_avx512.o \
	src/type/vector_io.o \
	src/type/vector_ops.o \
	src/type/vector_agg.o \
	src/ivf/ivf.o \
	src/ivf/ivfutils.o \
	src/ivf/kmeans.o \
	src/ivf/ivfbuild.o \
	src/ivf/ivfinsert.o \
	src/ivf/ivfscan.o \
	src/ivf/ivfvacuum.o \
	src/ivf/ivftrain.o \
	src/ivf/ivfcost.o \
	src/ivf/ivflearn.o \
	src/ivf/ivfcheck.o \
	src/planner/planner.o \
	src/stats/stats.o

# Bit-string distances (hamming, jaccard on PostgreSQL's bit) and their
# population-count kernels (src/simd/bits.h).
OBJS += src/type/bit_ops.o src/simd/bits_dispatch.o src/simd/bits_scalar.o \
	src/simd/bits_popcnt.o src/simd/bits_avx512.o

# The half-precision vector type ruhalfvec (halfvec) and its conversions
# (src/simd/half.h).
OBJS += src/type/halfvec.o src/simd/half_dispatch.o src/simd/half_scalar.o \
	src/simd/half_f16c.o

# The sparse vector type rusparsevec (sparsevec) and its merge kernels
# (src/simd/sparse.h).
OBJS += src/type/sparsevec.o src/simd/sparse.o

REGRESS = type io_errors operators functions casts aggregates btree simd copy ruivf ruivf_results ruivf_check planner stats
REGRESS += bit_ops halfvec ruivf_types
REGRESS += sparsevec ruivf_train ruivf_bits ruivf_learn ruivf_parallel ruivf_vacuum ruivf_ip_order ruivf_cache ruivf_shared_lists
REGRESS_OPTS = --load-extension=ruvector

# The pgvector compatibility extension `vector` (docs/coming-from-pgvector.md):
# its SQL binds pgvector's names to ruvector.so (src/compat holds the few C
# functions it adds); ruvector_compat.so defines the hnsw.* / ivfflat.*
# settings (src/compat/compat.h says why apart).  WITH_COMPAT=no installs
# ruvector alone, e.g. next to the real pgvector.
OBJS += src/compat/compat_am.o src/compat/compat_funcs.o src/compat/compat_utility.o
WITH_COMPAT ?= yes
ifeq ($(WITH_COMPAT),yes)
EXTENSION += vector
DATA += sql/vector--0.8.0.sql
MODULES = src/compat/ruvector_compat
REGRESS += compat compat_bits compat_halfvec compat_index compat_settings
REGRESS += compat_sparsevec
endif

OPTFLAGS ?=

# Sanitizers: every ruvector object is instrumented and the module links
# the sanitizer runtimes, without LTO; src/sanitize.c holds their options
# (see there why the ASan runtime comes with the module).  Undefined
# behaviour stops the backend at the first report.  RUIVF_SELF_CHECK makes
# the scan check its shortcuts against the plain computation they stand for
# (ivfscan.c: least_lower_bound), failing the query on a difference.
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
override LTO := 0
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
PG_CPPFLAGS += -DRUIVF_SELF_CHECK
SHLIB_LINK += $(SANITIZE_FLAGS)
OBJS += src/sanitize.o
endif

# Link-time optimisation within the module, where the compiler supports it.
# Each kernel keeps its own instruction set under LTO (gcc records it per
# function and never inlines across different ones).
LTO ?= $(shell $(CC) -flto=auto -x c -c /dev/null -o /dev/null 2>/dev/null && echo 1 || echo 0)
ifeq ($(LTO),1)
LTO_FLAGS = -flto=auto
endif

# Profile-guided optimisation (make pgo): PGO_STAGE=gen builds with
# counters written under PGO_DIR by every backend that exits; PGO_STAGE=use
# builds with them.
PGO_DIR ?= /tmp/ruvector-pgo
ifeq ($(PGO_STAGE),gen)
PGO_FLAGS = -fprofile-generate -fprofile-update=atomic -fprofile-dir=$(PGO_DIR)
else ifeq ($(PGO_STAGE),use)
PGO_FLAGS = -fprofile-use -fprofile-correction -fprofile-partial-training -Wno-missing-profile \
	-fprofile-dir=$(PGO_DIR)
endif

# -fno-math-errno: sqrtf and friends compile to one instruction (nothing here
# reads errno after a math function; strtof's errno is not affected)
PG_CFLAGS = -O3 -fno-math-errno -Wextra $(LTO_FLAGS) $(PGO_FLAGS) $(SANITIZE_FLAGS) $(OPTFLAGS)

# JIT bitcode is not built: the per-file instruction-set flags below have no
# place in it, and the operators gain nothing from inlining into JIT code.
override with_llvm := no

PG_CONFIG ?= pg_config
# PostgreSQL's own headers are read as system headers, so that -Wextra
# speaks of ruvector's code only.
PG_CPPFLAGS += -isystem $(shell $(PG_CONFIG) --includedir-server)
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# One instruction set per kernel file; everything else stays baseline x86-64.
ifeq ($(shell uname -m),x86_64)
src/simd/kernels_avx2.o: CFLAGS += -mavx2 -mfma
# no fused multiply-add: bit for bit the scalar reference (rabitq_avx2.c, rabitq_avx512.c)
src/simd/rabitq_avx2.o: CFLAGS += -mavx2 -ffp-contract=off
src/simd/rabitq_avx512.o: CFLAGS += -mavx512f -mavx512bw -mavx2 -ffp-contract=off
src/simd/kernels_avx512.o: CFLAGS += -mavx512f -mavx512bw -mavx2 -mfma
src/simd/kernels_avx512vnni.o: CFLAGS += -mavx512f -mavx512bw -mavx512vnni -mavx2 -mfma
src/simd/bits_popcnt.o: CFLAGS += -mpopcnt
src/simd/bits_avx512.o: CFLAGS += -mavx512f -mavx512vpopcntdq -mpopcnt
src/simd/half_f16c.o: CFLAGS += -mf16c -mavx
endif

$(OBJS): src/simd/kernels.h src/type/vector.h src/ivf/ivf.h src/stats/stats.h
src/simd/kernels_avx512.o src/simd/kernels_avx512vnni.o: src/simd/kernels_avx512_sq8.h
src/simd/rabitq.o src/simd/rabitq_avx2.o src/simd/rabitq_avx512.o src/ivf/ivfscan.o \
	src/ivf/ivfutils.o: src/simd/rabitq.h
src/simd/rabitq_avx2.o src/simd/rabitq_avx512.o: src/simd/rabitq_x86.h \
	src/simd/rabitq_estimate_simd.h
src/type/bit_ops.o src/simd/bits_dispatch.o src/simd/bits_scalar.o src/simd/bits_popcnt.o \
	src/simd/bits_avx512.o: src/simd/bits.h
src/type/halfvec.o src/ivf/ivfutils.o src/simd/half_dispatch.o src/simd/half_scalar.o \
	src/simd/half_f16c.o: src/simd/half.h src/type/halfvec.h
src/type/sparsevec.o src/simd/sparse.o: src/simd/sparse.h src/type/sparsevec.h src/type/halfvec.h
src/ivf/ivfutils.o: src/type/sparsevec.h
src/simd/rabitq.o src/ivf/ivfscan.o src/ivf/ivfutils.o src/ivf/ivfcheck.o: src/simd/rabitq.h
src/ruvector.o src/compat/compat_am.o src/compat/ruvector_compat.o: src/compat/compat.h

# Never overwrite another extension named vector (the real pgvector): its
# control file is the sentinel; ours requires ruvector.
ifeq ($(WITH_COMPAT),yes)
install: vector-install-check
endif
vector-install-check:
	@f='$(DESTDIR)$(datadir)/extension/vector.control'; \
	if [ -f "$$f" ] && ! grep -q "^requires = 'ruvector'" "$$f"; then \
		echo "ERROR: $$f belongs to another extension named vector (pgvector?); not overwriting it." >&2; \
		echo "  Install ruvector without its pgvector-compatible extension: make install WITH_COMPAT=no" >&2; \
		echo "  or install both into another PostgreSQL prefix (docs/coming-from-pgvector.md)." >&2; \
		exit 1; \
	fi

kernel-check:
	$(MAKE) -C test/kernels check
	$(MAKE) -C test/kernels check-bits
	$(MAKE) -C test/kernels check-half
	$(MAKE) -C test/kernels check-sparse

# Instrumented build and install, the workload, then the optimised build
# (left in the tree: `make install` installs it).
pgo:
	rm -rf $(PGO_DIR) && mkdir -p $(PGO_DIR) && chmod 1777 $(PGO_DIR)
	$(MAKE) clean && $(MAKE) PGO_STAGE=gen
	bash scripts/pgo-workload.sh
	$(MAKE) clean && $(MAKE) PGO_STAGE=use

.PHONY: kernel-check pgo vector-install-check
