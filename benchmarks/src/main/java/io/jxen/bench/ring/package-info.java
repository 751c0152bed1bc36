/**
 * Benchmarks of the io/ring.h shared ring: {@code ring-roundtrip} (two threads, one JVM,
 * against an {@code AtomicLong} ping-pong) and {@code ring-futex} (two JVMs on one mapped
 * file woken by futex, against a bare futex ping-pong).
 */
package io.jxen.bench.ring;
