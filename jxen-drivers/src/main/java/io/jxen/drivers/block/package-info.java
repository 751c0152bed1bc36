/**
 * The split block driver (io/blkif.h): the block device API guests use, the backend's I/O
 * engines, request validation, and (with the guest layer) blkfront and blkback.
 */
package io.jxen.drivers.block;
