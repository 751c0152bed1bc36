/**
 * version.h and features.h: {@code XENVER_*} and the {@code XENFEAT_*} bits.
 */
package io.jxen.abi.version;
