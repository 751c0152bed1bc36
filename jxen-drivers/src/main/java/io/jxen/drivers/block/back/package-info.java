/**
 * The block backend (blkback): request validation and response encoding over the blkif ring
 * (io/blkif.h), and its I/O engines ({@link io.jxen.drivers.block.back.engine}). Every request
 * is copied out of the ring once and only the copy is decoded (XSA-155); every response slot
 * is written whole, padding zeroed (XSA-216).
 */
package io.jxen.drivers.block.back;
