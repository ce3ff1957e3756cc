# Pare: the two commands of the README, and a few helpers.
#   make demo                 install what is missing, fetch all-MiniLM-L6-v2, build, run Pare on it
#   make test                 the whole test suite (what CI runs), then a short fuzz of every parser
#   make fuzz                 every libFuzzer target for FUZZ_SECONDS (default 60) each, with AddressSanitizer
#   make install PREFIX=DIR   build, then install DIR/bin/pare, its recipes and calibration corpora
#                             (DIR/share/pare/), and bash, zsh and fish completions (default DIR: /usr/local)
#   make uninstall PREFIX=DIR remove what make install put there

SHELL := /bin/bash
SWIFT_RELEASE = swift build -c release --product pare
MODEL = examples/models/all-MiniLM-L6-v2
RECIPE = passes/max-compress.yaml
OUT = examples/out
PARE = .build/release/pare

.PHONY: demo test fuzz setup deps model build install uninstall fixtures clean

# Compile MiniLM with the default recipe (printing a summary: the predicted speedup, warnings, where
# the full report went), measure the speedup side by side against the input and the fidelity on
# held-out text, then run the artifact.
demo: setup build
	mkdir -p $(OUT)
	$(PARE) compile $(MODEL) --recipe $(RECIPE) -o $(OUT)/minilm.pare --report-dir $(OUT)/report
	$(PARE) bench $(OUT)/minilm.pare --against $(MODEL) --runs 20
	$(PARE) eval $(OUT)/minilm.pare --against $(MODEL)
	$(PARE) run $(OUT)/minilm.pare --text "Pare compresses transformer checkpoints before deployment." \
		--text "The compiler shrinks models so they run faster." --text "It rained all day in Zurich."
	@echo "artifact: $(OUT)/minilm.pare; report: $(OUT)/report/report.html"

# Integration tests on the real model are required, not skipped, when PARE_REQUIRE_MODEL=1.
# The numerics suites run a second time on the kernels of a CPU without AVX-512 (OpenBLAS's
# Haswell kernels, oneDNN's AVX2 int8 path without VNNI, Pare's AVX2 decode kernels), whatever this machine has, so a test
# that passes only on AVX-512 fails here too.
AVX2_ENV = OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 PARE_CPU_ISA=avx2
NUMERICS = NumericToleranceTests|KernelsTests|RuntimeTests|PassesTests|CalibrationTests|HuggingFaceTests
test: setup
	swift build --build-tests
	PARE_REQUIRE_MODEL=1 swift test --skip-build 2>&1 | tee .build/test.log; echo $${PIPESTATUS[0]} > .build/test.status
	@echo "numerics again on an AVX2 machine's kernels ($(AVX2_ENV)):"
	PARE_REQUIRE_MODEL=1 $(AVX2_ENV) swift test --skip-build --filter "$(NUMERICS)" 2>&1 | tee .build/test-avx2.log; echo $${PIPESTATUS[0]} > .build/test-avx2.status
	@echo "fuzz smoke: every parser's libFuzzer target for $(TEST_FUZZ_SECONDS) s (make fuzz runs them for longer):"
	FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) bash scripts/fuzz/run.sh
	@echo "all tests, this machine's kernels:"; grep -E "Test run with [0-9]+ tests" .build/test.log | tail -n 1
	@echo "numerics, AVX2 kernels:"; grep -E "Test run with [0-9]+ tests" .build/test-avx2.log | tail -n 1
	@exit $$(( $$(cat .build/test.status) || $$(cat .build/test-avx2.status) ))

# libFuzzer + AddressSanitizer on every parser (scripts/fuzz/run.sh); fails on a crash, leak or timeout.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 5
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz/run.sh

setup: deps model

deps:
	bash scripts/install-deps.sh

model:
	bash scripts/fetch-example-model.sh

build:
	$(SWIFT_RELEASE)

# An installed pare finds its recipes (--recipe max-compress) and the default calibration corpus in
# $(PREFIX)/share/pare, beside $(PREFIX)/bin (Driver's ShippedFiles). DESTDIR stages a package.
PREFIX ?= /usr/local
SHARE = $(DESTDIR)$(PREFIX)/share
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/pare/recipes $(SHARE)/pare/calibration \
		$(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions $(SHARE)/fish/vendor_completions.d
	install -m 755 $(PARE) $(DESTDIR)$(PREFIX)/bin/pare
	install -m 644 passes/*.yaml $(SHARE)/pare/recipes/
	install -m 644 examples/calibration/default.txt examples/calibration/heldout.txt $(SHARE)/pare/calibration/
	$(PARE) --generate-completion-script bash > $(SHARE)/bash-completion/completions/pare
	$(PARE) --generate-completion-script zsh > $(SHARE)/zsh/site-functions/_pare
	$(PARE) --generate-completion-script fish > $(SHARE)/fish/vendor_completions.d/pare.fish
	@echo "installed $(DESTDIR)$(PREFIX)/bin/pare; try: $(PREFIX)/bin/pare compile MODEL_DIR --recipe max-compress -o model.pare"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pare $(SHARE)/bash-completion/completions/pare $(SHARE)/zsh/site-functions/_pare \
		$(SHARE)/fish/vendor_completions.d/pare.fish
	rm -rf $(SHARE)/pare

# Re-records the committed fixtures with Hugging Face transformers (by hand, on purpose).
fixtures:
	bash scripts/fixtures/setup-venv.sh
	.venv/bin/python scripts/fixtures/generate.py
	.venv/bin/python scripts/fixtures/generate_llama_family.py
	.venv/bin/python scripts/fixtures/generate_t5.py

clean:
	rm -rf .build .build-fuzz
