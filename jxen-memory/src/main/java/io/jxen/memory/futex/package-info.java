/**
 * Cross-process waiting on a 32-bit word of shared memory: Linux futex through an FFM
 * downcall to libc's {@code syscall}, and the {@link io.jxen.memory.futex.Doorbell} built on
 * it. Waits block a platform thread (a foreign call would pin a virtual thread's carrier).
 */
package io.jxen.memory.futex;
