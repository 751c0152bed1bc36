/**
 * xenstored on the jxen hypervisor: {@link io.jxen.host.xenstored.HypervisorRings} maps each
 * introduced domain's store page (its {@code GNTTAB_RESERVED_XENSTORE} grant), binds its store
 * event channel, serves the ring as an agent, and turns the hypervisor's shutdown and destroy
 * notices into {@code @releaseDomain}, node removal and ring teardown.
 */
package io.jxen.host.xenstored;
