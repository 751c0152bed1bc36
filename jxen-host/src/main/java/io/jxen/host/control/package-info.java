/**
 * A running host's control socket: how {@code jxen console} and {@code jxen xenbus list}
 * (separate processes) reach the host that {@code jxen run} keeps alive.
 */
package io.jxen.host.control;
