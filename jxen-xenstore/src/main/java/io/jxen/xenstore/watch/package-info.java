/**
 * Watches: a connection's registrations (path, token), matching of changes against them
 * as C xenstored 4.17 does ({@code is_child}, exact events for removed descendants), relative
 * watch paths reported relative, and the special {@code @introduceDomain} /
 * {@code @releaseDomain} events.
 */
package io.jxen.xenstore.watch;
