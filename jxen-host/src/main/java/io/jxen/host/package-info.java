/**
 * The host: toolstack (xl.cfg parsing, domain builder, device setup in xenstore), domains in
 * their own JVMs, and the NBD export of guest disks.
 */
package io.jxen.host;
