/**
 * The xs_wire codec: the 16-byte little-endian header, bounded incremental decoding of a
 * byte stream into messages, payload argument parsing (NUL-terminated strings), path
 * validation and the errno-name error replies. Everything here treats its input as hostile:
 * lengths are bounded before anything is allocated, and each payload is copied once.
 * Facts: io/xs_wire.h and docs/misc/xenstore.txt (Xen 4.17), checked against the C daemon.
 */
package io.jxen.xenstore.wire;
