/**
 * The Xen 4.17 public ABI as Java constants and layouts, every number checked against the C
 * headers by the ABI oracle test (design.md section 4): hypercall numbers, Xen's errno values,
 * the oracle annotations, and the little-endian {@link io.jxen.abi.OrderedAccess} and
 * {@link io.jxen.abi.Flyweight} that the per-header views build on. One sub-package per
 * public header.
 */
package io.jxen.abi;
