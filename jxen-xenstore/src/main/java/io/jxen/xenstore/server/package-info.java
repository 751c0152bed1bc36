/**
 * The daemon: {@link io.jxen.xenstore.server.XenstoredCore} executes requests of any
 * connection one at a time (events first, then the reply, into the connection's bounded
 * outbox); {@link io.jxen.xenstore.server.XenstoredServer} serves it on a Unix socket, one
 * virtual thread reading and one writing per client; {@link io.jxen.xenstore.server.XenstoredMain}
 * is the command line entry.
 */
package io.jxen.xenstore.server;
