# WardWatch — the two commands a new machine needs are `make demo` and `make test`; both install what is missing.
SWIFT ?= swift
DEMO_EVENTS := .build/demo/events.jsonl

.PHONY: setup build demo test bench captures check-allocations eval flood soak live-loss live-scaling scenarios deb fuzz clean

setup:
	@bash Scripts/setup.sh

## build: the release binary as the .deb ships it, with the Swift runtime linked in statically (Scripts/build-release.sh).
build: setup
	SWIFT=$(SWIFT) bash Scripts/build-release.sh

## demo: replay the bundled real-peer captures (one merged stream, time-ordered) and show what the sensor saw.
demo: build
	@mkdir -p $(dir $(DEMO_EVENTS))
	.build/release/wardwatch replay --flows --hosts --events $(DEMO_EVENTS) Captures/net Captures/dicom Captures/hl7 Captures/smb2
	@echo
	@echo "Events written to $(DEMO_EVENTS) ($$(wc -l < $(DEMO_EVENTS)) JSON lines); the first alert and flow record:"
	@grep -m 1 '"wardwatch.alert"' $(DEMO_EVENTS)
	@grep -m 1 '"wardwatch.flow"' $(DEMO_EVENTS)

## test: every unit, end-to-end and cross-check test (tshark, the peer corpus in ../shared/corpus when present),
## then the valgrind allocation check and a two-minute soak on the release build.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) check-allocations
	$(MAKE) soak

## bench: one table of packets/s, Gbit/s, CPU and RSS against the bare libpcap loop, ndpiReader and tshark.
bench:
	@bash Scripts/setup.sh bench
	bash Benchmarks/bench.sh

## check-allocations: valgrind proves the per-packet path allocates nothing (N vs 10×N packets; SMB2 READs).
check-allocations: build
	bash Scripts/check-allocations.sh

## soak: the hospital mix replayed in a loop by one process for SOAK_SECONDS (120): RSS flat, counters N x one copy's.
soak: build
	bash Scripts/soak.sh

## live-loss: the highest rate live capture (1 and 2 workers) and tcpdump take without loss on a veth (root).
live-loss: build
	bash Scripts/live-loss.sh

## live-scaling: live packet rate, 1 and 2 workers, draining kernel rings filled while the sensor was stopped (root).
live-scaling: build
	bash Scripts/live-scaling.sh

## fuzz: libFuzzer + ASan harnesses for every decoder and analyzer and the capture-file reader (FUZZ_SECONDS each, 30 s; or FUZZ_RUNS=N executions).
fuzz: setup
	bash Scripts/fuzz.sh

## captures: regenerate Captures/ with real peers in network namespaces (root; installs dcmtk, samba, ...).
captures:
	bash Scripts/make-captures.sh

## eval: detection report over the labelled scenarios (Captures/scenarios): detected, latency, files lost, false alerts.
eval: build
	bash Scripts/eval.sh

## flood: a million SYNs and UDP flows, a thousand half-finished SMB, 4 GB DICOM and endless HL7 sessions, each around a real attack: time, peak RSS, limits counted, attack detected.
flood: build
	bash Scripts/flood.sh

## scenarios: regenerate Captures/scenarios with real peers in network namespaces (root; ~8 min).
scenarios:
	bash Scripts/captures/scenarios.sh

## deb: .build/deb/wardwatch_<version>_<arch>.deb (release, Swift runtime linked statically, systemd unit, conffiles).
deb: setup
	SWIFT=$(SWIFT) bash Scripts/make-deb.sh

clean:
	rm -rf .build .build-bench .build-soak .build-loss
