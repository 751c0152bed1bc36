package io.jxen.abi;

/**
 * The C data models jxen lays structures out for. Guests are x86_64 by default; blkif also
 * has the x86_32 layout a 32-bit frontend uses (io/blkif.h, "protocol" key).
 */
public enum XenAbi {
    /** LP64, 8-byte aligned {@code uint64_t}: the headers compiled with {@code gcc -m64}. */
    X86_64,
    /** ILP32, 4-byte aligned {@code uint64_t}: the headers compiled with {@code gcc -m32}. */
    X86_32
}
