/**
 * The NBD export (NetworkBlockDevice/nbd doc/proto.md): {@link io.jxen.host.nbd.NbdServer}
 * serves any {@link io.jxen.drivers.block.BlockDevice} to NBD clients such as nbdinfo,
 * nbdcopy, qemu-img and qemu-io, over TCP or a Unix socket.
 */
package io.jxen.host.nbd;
