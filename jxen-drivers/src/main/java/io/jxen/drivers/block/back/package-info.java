/**
 * The block backend (blkback). {@link io.jxen.drivers.block.back.Blkback} serves one ring of
 * one frontend as an agent: it maps the ring through its grant, binds the frontend's port,
 * copies each request out once and decodes only the copy
 * ({@link io.jxen.drivers.block.back.BlkifRequestDecoder}, XSA-155), moves data by grant map,
 * grant copy or persistent mappings, runs the operation on a
 * {@link io.jxen.drivers.block.BlockDevice} (usually an {@link io.jxen.drivers.block.back.engine}
 * engine) and writes every byte of the response (XSA-216). A broken frontend closes its own
 * device only. {@link io.jxen.drivers.block.back.BlkbackXenbusDriver} negotiates on XenBus and
 * starts one {@code Blkback} per queue.
 */
package io.jxen.drivers.block.back;
