/**
 * Benchmarks of hypervisor time: pvclock reads, HPET counter reads (JMH) and vCPU one-shot
 * timer lateness in real mode.
 *
 * <p>Parked here, outside every Maven source root, until {@code benchmarks/pom.xml} depends
 * on {@code jxen-time}; then this directory moves to
 * {@code benchmarks/src/main/java/io/jxen/bench/time} and the three {@code …Bench} classes
 * are listed in {@code META-INF/services/io.jxen.bench.Bench}.
 */
package io.jxen.bench.time;
