# s3gate: see README.md. Needs only a JDK 17+, Maven and make (and curl for start/run).
MVN ?= mvn -B

.PHONY: build backend run start stop test bench clean

## build: the WAR (target/s3gate.war) and jetty-home unpacked under target/, no tests
build:
	$(MVN) -q package -DskipTests

## backend: the embedded S3 backend's classpath (s3proxy from Maven Central)
backend: target/backend.classpath

target/backend.classpath: backend/pom.xml
	mkdir -p target
	$(MVN) -q -f backend/pom.xml dependency:build-classpath -Dmdep.outputFile=$(CURDIR)/target/backend.classpath

## run: gateway (and the embedded backend unless S3GATE_BACKEND is set) in the foreground
run: build backend
	bin/s3gate-launch run

## start / stop: the same in the background, PID files under target/
start: build backend
	bin/s3gate-launch start

stop:
	bin/s3gate-launch stop

## test: all unit and integration tests (real Jetty + WAR + s3proxy)
test: backend
	$(MVN) verify
	$(MVN) -q -f bench/pom.xml package  # the benchmarks must keep compiling against the code

## bench: JMH (decision ns/op and B/op, 1 and 2 threads) and heap bytes per key; not part of test.
## Each bench/run-*.sh listed in BENCH_SCRIPTS runs in order; add new ones there.
BENCH_SCRIPTS = bench/run-jmh.sh bench/run-heap.sh bench/run-client-ips.sh bench/e2e.sh
bench:
	$(MVN) -q -f bench/pom.xml package
	set -e; for script in $(BENCH_SCRIPTS); do $$script; echo; done

clean:
	$(MVN) -q clean
