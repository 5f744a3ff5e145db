# wiretally: the two commands a newcomer runs are `make demo` and `make test`.
CARGO ?= cargo

.PHONY: demo test deps build lint fixtures bench clean

deps:
	@./scripts/ensure-deps.sh

build: deps
	$(CARGO) build --release

## Build in release mode and summarise the demo capture of a Windows domain (through
## cargo, so the binary is found wherever CARGO_TARGET_DIR puts it).
demo: deps
	$(CARGO) run --release --bin wiretally -- read fixtures/demo.pcap

## The whole test suite (unit, CLI integration, tshark cross-check when tshark is installed).
test: deps
	$(CARGO) test --workspace --all-targets

## Formatting and lints, as CI checks them.
lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Regenerate fixtures/ with the project's deterministic generator.
fixtures: deps
	$(CARGO) run --release -p wiretally-synth --bin wiretally-gen -- fixtures fixtures

clean:
	$(CARGO) clean
