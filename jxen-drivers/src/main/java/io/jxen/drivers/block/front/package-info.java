/**
 * The block frontend (blkfront). {@link io.jxen.drivers.block.front.Blkfront} is one ring:
 * request ids index its shadow table, pages are granted per request (or kept as persistent
 * grants), large transfers go through indirect segments, responses are copied out once and
 * checked, and in-flight requests are replayed on a new ring after the backend went away.
 * {@link io.jxen.drivers.block.front.MultiQueueBlkfront} spreads a disk over several rings, and
 * {@link io.jxen.drivers.block.front.BlkfrontXenbusDriver} negotiates on XenBus and hands guest
 * programs the disk as a {@link io.jxen.drivers.block.BlockDevice}.
 */
package io.jxen.drivers.block.front;
