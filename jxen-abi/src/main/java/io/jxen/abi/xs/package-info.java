/**
 * The xenstore wire ABI of io/xs_wire.h (Xen 4.17): message types, the {@code xsd_sockmsg}
 * header, the error table, payload and path limits, and the shared ring page
 * {@code xenstore_domain_interface}. Constants only; the codec lives in
 * {@code io.jxen.xenstore.wire}.
 */
package io.jxen.abi.xs;
