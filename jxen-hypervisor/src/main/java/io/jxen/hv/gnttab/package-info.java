/**
 * Grant tables v1 and v2 (xen/common/grant_table.c): shared and status frames, active
 * entries and pin counts, maptrack, map/unmap/copy and table management.
 */
package io.jxen.hv.gnttab;
