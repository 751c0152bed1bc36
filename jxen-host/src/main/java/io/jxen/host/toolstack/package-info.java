/**
 * The dom0 toolstack: {@link io.jxen.host.toolstack.DomainBuilder} builds a domain from a
 * {@link io.jxen.host.config.GuestConfig} (start_info, xenstore and console rings and ports,
 * reserved grants, {@code XS_INTRODUCE}, the xenstore tree of {@code docs/misc/xenstore-paths}
 * as libxl writes it); {@link io.jxen.host.toolstack.Toolstack} is the engine behind the xl
 * verbs (create, list, pause, unpause, shutdown, reboot, destroy) and applies the
 * {@code on_*} actions when a guest shuts down; {@link io.jxen.host.toolstack.Privcmd} issues
 * its privileged hypercalls as dom0.
 */
package io.jxen.host.toolstack;
