# prochookd - process event hooks from the kernel's proc connector

VERSION		= 0.1.0
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= /lib/systemd/system
DESTDIR		?=

CC		?= cc
PKGS		= libmnl inih libcap
TEST_PKGS	= cmocka
DEBIAN_PKGS	= build-essential pkg-config libmnl-dev libinih-dev libcap-dev \
		  libcmocka-dev python3 util-linux procps curl

CFLAGS		?= -O2 -g
WARNFLAGS	= -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
		  -Wmissing-prototypes -Werror
HARDEN		= -D_FORTIFY_SOURCE=2 -fstack-protector-strong
DEFS		= -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" \
		  -DSYSCONFDIR=\"$(SYSCONFDIR)\"
ALL_CFLAGS	= $(CFLAGS) $(WARNFLAGS) -Iinclude $(DEFS) \
		  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS		= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS	= $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
SAN		= -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=all

SRCS		= $(wildcard src/*.c)
OBJS		= $(SRCS:src/%.c=build/%.o)
ASAN_OBJS	= $(SRCS:src/%.c=build/asan/%.o)

# Each unit test links its module and what that module needs, nothing else.
TESTS		= event proc table output notify enrich exe ipc config rule spawn \
		  lineage sandbox hold binfmt exename verify hookout hookrun proctree \
		  hookfile netlink explain journal gateplan namecache
test_event_SRCS	= src/event.c
test_proc_SRCS	= src/proc.c
test_table_SRCS	= src/table.c src/event.c
test_output_SRCS = src/output.c src/event.c src/table.c src/signame.c \
		  src/strnum.c
test_notify_SRCS = src/notify.c
test_enrich_SRCS = src/enrich.c src/proc.c src/table.c src/event.c src/exe.c src/namecache.c \
		  src/exename.c src/binfmt.c
test_exe_SRCS	= src/exe.c src/namecache.c src/exename.c src/binfmt.c src/table.c src/proc.c
test_binfmt_SRCS = src/binfmt.c
test_namecache_SRCS = src/namecache.c
test_exename_SRCS = src/exename.c src/binfmt.c src/proc.c
test_ipc_SRCS	= src/ipc.c src/table.c src/event.c src/log.c src/journal.c
test_config_SRCS = src/config.c src/confparse.c src/daemonkey.c \
		  src/hookfile.c src/rule.c src/rulebuild.c src/ruledesc.c \
		  src/event.c src/log.c src/journal.c src/table.c \
		  src/signame.c src/strnum.c
test_rule_SRCS	= src/rule.c src/rulebuild.c src/ruledesc.c src/signame.c \
		  src/strnum.c src/table.c \
		  src/event.c
test_lineage_SRCS = src/lineage.c src/proc.c src/table.c src/rule.c \
		  src/rulebuild.c src/event.c \
		  src/signame.c src/strnum.c
test_verify_SRCS = src/verify.c src/ipc.c src/lineage.c src/proctree.c \
		  src/rule.c src/rulebuild.c src/enrich.c src/exe.c src/namecache.c \
		  src/exename.c src/binfmt.c src/proc.c src/table.c \
		  src/event.c src/log.c src/journal.c \
		  src/signame.c src/strnum.c
test_sandbox_SRCS = src/sandbox.c
test_hold_SRCS	= src/hold.c
test_hookfile_SRCS = src/hookfile.c
test_hookout_SRCS = src/hookout.c src/log.c src/journal.c
test_hookrun_SRCS = src/hookrun.c
test_proctree_SRCS = src/proctree.c src/proc.c src/log.c src/journal.c
test_spawn_SRCS	= src/spawn.c src/supervise.c src/hookrun.c src/hookout.c \
		  src/signame.c src/strnum.c \
		  src/hookexec.c src/proctree.c src/proc.c src/hookfile.c \
		  src/users.c src/log.c src/journal.c
test_netlink_SRCS = src/netlink.c src/event.c
test_explain_SRCS = src/explain.c src/rule.c src/rulebuild.c src/ruledesc.c \
		  src/config.c src/confparse.c src/daemonkey.c src/hookfile.c \
		  src/enrich.c src/exe.c src/namecache.c src/exename.c src/binfmt.c src/lineage.c \
		  src/proc.c src/table.c src/event.c src/output.c src/users.c \
		  src/log.c src/journal.c src/signame.c src/strnum.c
test_journal_SRCS = src/journal.c src/log.c
test_gateplan_SRCS = src/gateplan.c src/rule.c src/rulebuild.c src/signame.c \
		  src/strnum.c src/table.c src/event.c

# Fuzzing (tests/fuzz): each target links the real modules and checks them
# against a model of what the kernel (or inih, or a JSON reader) does.
# make fuzz builds them with clang and libFuzzer and runs each for
# FUZZ_SECONDS; make unit replays the corpus and the regression inputs
# through the same targets built with $(CC) and a plain main().
FUZZ_TARGETS	= binfmt event proc output ipc config exe
fuzz_binfmt_SRCS = src/binfmt.c
fuzz_event_SRCS	= src/event.c src/netlink.c
fuzz_proc_SRCS	= src/proc.c src/exe.c src/namecache.c src/exename.c src/binfmt.c src/table.c
fuzz_output_SRCS = src/output.c src/event.c src/table.c src/signame.c \
		  src/strnum.c
fuzz_ipc_SRCS	= src/ipc.c src/table.c src/event.c src/log.c src/journal.c src/output.c \
		  src/signame.c src/strnum.c
fuzz_config_SRCS = $(test_config_SRCS)
fuzz_config_LDFLAGS = -Wl,--wrap=ini_parse_stream
fuzz_exe_SRCS	= src/exe.c src/namecache.c src/exename.c src/binfmt.c src/table.c src/proc.c
FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang
FUZZ_DEBIAN_PKGS = clang libclang-rt-14-dev
FUZZ_CFLAGS	= -g -O1 $(filter-out -Werror,$(WARNFLAGS)) -Iinclude -Itests/fuzz \
		  $(DEFS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
		  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

ifeq ($(V),)
Q		= @
say		= @printf '  %-6s %s\n' $(1) $(2);
else
Q		=
say		=
endif

.PHONY: all clean test unit check-asan e2e deps run install user bench \
		  deb fuzz fuzz-deps fuzz-build fuzz-replay build

all: prochookd

prochookd: $(OBJS)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

build/%.o: src/%.c $(wildcard include/*.h) | build
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(HARDEN) -c -o $@ $<

build/asan/%.o: src/%.c $(wildcard include/*.h) | build
	$(call say,CC-SAN,$<)$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build:
	@mkdir -p build/asan build/tests build/asan-tests build/fuzz \
	  build/fuzz-replay build/asan-fuzz

build/prochookd-asan: $(ASAN_OBJS)
	$(call say,LD-SAN,$@)$(CC) $(CFLAGS) $(SAN) -o $@ $(ASAN_OBJS) $(LIBS)

define unit_test
build/tests/test_$(1): tests/test_$(1).c $$(test_$(1)_SRCS) $(wildcard include/*.h) tests/testutil.h | build
	$$(call say,CC,$$@)$$(CC) $$(ALL_CFLAGS) -Itests -o $$@ tests/test_$(1).c $$(test_$(1)_SRCS) $$(LIBS) $$(TEST_LIBS)
build/asan-tests/test_$(1): tests/test_$(1).c $$(test_$(1)_SRCS) $(wildcard include/*.h) tests/testutil.h | build
	$$(call say,CC-SAN,$$@)$$(CC) $$(ALL_CFLAGS) $$(SAN) -Itests -o $$@ tests/test_$(1).c $$(test_$(1)_SRCS) $$(LIBS) $$(TEST_LIBS)
endef
$(foreach t,$(TESTS),$(eval $(call unit_test,$(t))))

# Unit tests run from the source tree so that they find tests/data.
unit: $(TESTS:%=build/tests/test_%) fuzz-replay
	@for t in $(TESTS:%=build/tests/test_%); do echo "== $$t"; $$t || exit 1; done

check-asan: $(TESTS:%=build/asan-tests/test_%) build/prochookd-asan \
	    $(FUZZ_TARGETS:%=build/asan-fuzz/fuzz_%)
	@for t in $(TESTS:%=build/asan-tests/test_%); do echo "== $$t (ASan+UBSan)"; \
	  ASAN_OPTIONS=detect_leaks=1 $$t || exit 1; done
	@for t in $(FUZZ_TARGETS); do echo "== fuzz_$$t replay (ASan+UBSan)"; \
	  ASAN_OPTIONS=detect_leaks=1 build/asan-fuzz/fuzz_$$t \
	    tests/fuzz/corpus/$$t tests/fuzz/regress/$$t || exit 1; done
	@PROCHOOKD=build/prochookd-asan tests/e2e/run.sh

define fuzz_target
build/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz.h $$(fuzz_$(1)_SRCS) $(wildcard include/*.h) | build
	$$(call say,FUZZ-CC,$$@)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRCS) $$(fuzz_$(1)_LDFLAGS) $$(LIBS)
build/fuzz-replay/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/standalone.c tests/fuzz/fuzz.h $$(fuzz_$(1)_SRCS) $(wildcard include/*.h) | build
	$$(call say,CC,$$@)$$(CC) $$(ALL_CFLAGS) -Itests/fuzz -o $$@ tests/fuzz/fuzz_$(1).c tests/fuzz/standalone.c $$(fuzz_$(1)_SRCS) $$(fuzz_$(1)_LDFLAGS) $$(LIBS)
build/asan-fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/standalone.c tests/fuzz/fuzz.h $$(fuzz_$(1)_SRCS) $(wildcard include/*.h) | build
	$$(call say,CC-SAN,$$@)$$(CC) $$(ALL_CFLAGS) $$(SAN) -Itests/fuzz -o $$@ tests/fuzz/fuzz_$(1).c tests/fuzz/standalone.c $$(fuzz_$(1)_SRCS) $$(fuzz_$(1)_LDFLAGS) $$(LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

# The corpus and every input that once failed, through each target.
fuzz-replay: $(FUZZ_TARGETS:%=build/fuzz-replay/fuzz_%)
	@for t in $(FUZZ_TARGETS); do echo "== fuzz_$$t replay"; \
	  build/fuzz-replay/fuzz_$$t tests/fuzz/corpus/$$t \
	    tests/fuzz/regress/$$t || exit 1; done

# clang and its libFuzzer runtime, for make fuzz only.
fuzz-deps:
	@if ! command -v $(FUZZ_CC) >/dev/null || ! printf '%s\n' \
	    '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null; then \
	  echo "installing fuzzing dependencies: $(FUZZ_DEBIAN_PKGS)"; \
	  apt-get update && apt-get install -y $(FUZZ_DEBIAN_PKGS); \
	fi

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

# Each target FUZZ_SECONDS (one process each); FUZZ_TARGETS="a b" for some.
fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

build/e2e-helper: tests/e2e/helper.c include/ipc.h | build
	$(call say,CC,$@)$(CC) $(CFLAGS) $(WARNFLAGS) -D_GNU_SOURCE -Iinclude -o $@ $< -lpthread

build/e2e-lossattack: tests/e2e/lossattack.c | build
	$(call say,CC,$@)$(CC) $(CFLAGS) $(WARNFLAGS) -D_GNU_SOURCE -o $@ $<

e2e: prochookd
	@PROCHOOKD=./prochookd tests/e2e/run.sh

# Everything: the build dependencies, unit tests, end-to-end tests, and
# both again under AddressSanitizer and UndefinedBehaviorSanitizer.
test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) e2e
	$(MAKE) check-asan

deps:
	@if ! pkg-config --exists $(PKGS) $(TEST_PKGS) 2>/dev/null || \
	    ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then \
	  echo "installing build dependencies: $(DEBIAN_PKGS)"; \
	  apt-get update && apt-get install -y $(DEBIAN_PKGS); \
	fi
	@$(MAKE) --no-print-directory user

user:
	@getent passwd prochook >/dev/null || \
	  useradd --system --no-create-home --home-dir / \
	    --shell /usr/sbin/nologin prochook

# Hooks must be root-owned in directories only root can write, up to /.
# A clone under /tmp or a home directory is not: then run a copy of conf/
# and hooks.d/ staged in $(RUNDIR).
RUNDIR		?= /run/prochookd-run
run: deps
	$(MAKE) all
	@if ./prochookd -t -c conf/prochook.conf >/dev/null 2>&1; then \
	  echo "./prochookd -c conf/prochook.conf"; \
	  exec ./prochookd -c conf/prochook.conf; \
	fi; \
	echo "hooks in this clone are not safe to run as root (see" \
	  "prochookd -t -c conf/prochook.conf); running a copy in $(RUNDIR)"; \
	rm -rf $(RUNDIR) && install -d -o root -g root -m 0755 $(RUNDIR) && \
	cp -R conf hooks.d $(RUNDIR)/ && chown -R root:root $(RUNDIR) && \
	chmod -R go-w $(RUNDIR) && \
	exec ./prochookd -c $(RUNDIR)/conf/prochook.conf

install: all
	install -D -m 0755 prochookd $(DESTDIR)$(SBINDIR)/prochookd
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/prochook/hooks.d \
	  $(DESTDIR)$(SYSCONFDIR)/prochook/rules.d
	test -e $(DESTDIR)$(SYSCONFDIR)/prochook/prochook.conf || \
	  sed -e 's|^hooks_dir *=.*|hooks_dir = $(SYSCONFDIR)/prochook/hooks.d|' \
	      -e 's|^rules_dir *=.*|rules_dir = $(SYSCONFDIR)/prochook/rules.d|' \
	      -e 's|^log_target *=.*|log_target = journal|' \
	      conf/prochook.conf > $(DESTDIR)$(SYSCONFDIR)/prochook/prochook.conf
	install -D -m 0644 man/prochookd.8 $(DESTDIR)$(MANDIR)/man8/prochookd.8
	install -D -m 0644 man/prochook.conf.5 $(DESTDIR)$(MANDIR)/man5/prochook.conf.5
	for f in hooks.d/*; do \
	  if [ -x "$$f" ]; then m=0755; else m=0644; fi; \
	  install -m $$m "$$f" $(DESTDIR)$(SYSCONFDIR)/prochook/hooks.d/; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/prochook/rules.d/example.conf || \
	  install -m 0644 conf/rules.d/example.conf \
	    $(DESTDIR)$(SYSCONFDIR)/prochook/rules.d/
	sed 's|@SBINDIR@|$(SBINDIR)|g' conf/prochookd.service > prochookd.service.tmp
	install -D -m 0644 prochookd.service.tmp $(DESTDIR)$(UNITDIR)/prochookd.service
	rm -f prochookd.service.tmp
	@if [ -z "$(DESTDIR)" ]; then $(MAKE) --no-print-directory user; fi

# The Debian package, built by dpkg-buildpackage from a copy of the files
# git tracks (a clean clone), in $(DEBDIR): prochookd_$(VERSION)_ARCH.deb.
DEBDIR		?= build/deb
DEB_PKGS	= build-essential dpkg-dev debhelper fakeroot pkg-config \
		  libmnl-dev libinih-dev libcap-dev libcmocka-dev git
deb:
	@missing=; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing package build dependencies:$$missing"; \
	  apt-get update && apt-get install -y $$missing; \
	fi
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/prochookd-$(VERSION)
	git ls-files -z | tar --null -T - -cf - | \
	  tar -C $(DEBDIR)/prochookd-$(VERSION) -xf -
	cd $(DEBDIR)/prochookd-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEBDIR)/*.deb

clean:
	rm -rf build prochookd
