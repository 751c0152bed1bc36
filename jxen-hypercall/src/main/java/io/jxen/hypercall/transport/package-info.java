/**
 * The guest side of the cross-process transport: hypercalls as fixed frames on a Unix-domain
 * socket, memory shared through the machine-memory file both JVMs map.
 */
package io.jxen.hypercall.transport;
