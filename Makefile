# make run   - install what is missing, build, run the demo
# make test  - install what is missing, build, run every test
# make test-asan  - the test suite built with ASan + UBSan (build-asan/)
# make test-scale - the long scale runs kept out of `make test` (the fuzzers too)
# make fuzz  - every libFuzzer target, built with clang (build-fuzz/), FUZZ_SECONDS each
# Each writes ctest's results as JUnit XML too (for CI): build/ctest-junit.xml,
# build-asan/ctest-junit.xml, build/ctest-scale-junit.xml.
# make install PREFIX=/usr/local - build, then install the programs (PREFIX/bin),
#   their man pages (PREFIX/share/man/man1) and the fake kernel's libraries
#   (PREFIX/lib/cmon-sim)
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Warnings are fatal in CI (CI=true) unless WERROR says otherwise.
WERROR     ?= $(if $(CI),ON,OFF)
CMAKE_ARGS ?=
PREFIX     ?= /usr/local
PACKAGES   := $(shell sed -e 's/\#.*//' debian-packages.txt)

.PHONY: all deps build run test test-asan test-scale fuzz install clean

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	  else \
	    echo "missing Debian packages; install them with:" >&2; \
	    echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMON_WERROR=$(WERROR) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./scripts/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE scale --output-junit ctest-junit.xml

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMON_SANITIZE=ON -DCMON_WERROR=$(WERROR) \
	  -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'scale|noasan' \
	  --output-junit ctest-junit.xml

test-scale: build
	cd $(BUILD) && ctest --output-on-failure -L scale --output-junit ctest-scale-junit.xml

# every libFuzzer target, built with clang in build-fuzz, FUZZ_SECONDS each
FUZZ_SECONDS ?= 120
fuzz:
	bash scripts/fuzz.sh . $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
