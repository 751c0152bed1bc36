/**
 * The daemon: {@link io.jxen.xenstore.server.XenstoredCore} executes requests of any
 * connection one at a time (events first, then the reply, into the connection's bounded
 * outbox); {@link io.jxen.xenstore.server.XenstoredServer} serves it on a Unix socket from one
 * event loop; {@link io.jxen.xenstore.server.RingConnection} serves a domain's shared ring page,
 * attached through the host's {@link io.jxen.xenstore.server.DomainRings};
 * {@link io.jxen.xenstore.server.XenstoredMain} is the command line entry.
 */
package io.jxen.xenstore.server;
