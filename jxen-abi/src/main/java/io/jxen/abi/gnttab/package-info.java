/**
 * grant_table.h: grant entries v1 and v2, {@code GTF_*}, {@code GNTTABOP_*} and their
 * argument records, {@code GNTMAP_*} and {@code GNTST_*}.
 */
package io.jxen.abi.gnttab;
