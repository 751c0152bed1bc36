/**
 * memory.h: {@code XENMEM_*}, reservations, {@code add_to_physmap} and the memory map.
 */
package io.jxen.abi.memory;
