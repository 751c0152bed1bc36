/**
 * The block backend's I/O engines: {@link io.jxen.drivers.block.back.engine.IoEngine}, one type
 * for synchronous and asynchronous operation, and
 * {@link io.jxen.drivers.block.back.engine.FileEngine} over a raw image or a block device node
 * (punch hole, zero range, SEEK_DATA/SEEK_HOLE and block ioctls through FFM downcalls).
 */
package io.jxen.drivers.block.back.engine;
