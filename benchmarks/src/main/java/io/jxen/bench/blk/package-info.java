/** Benchmarks of the blkif driver pair's data path. */
package io.jxen.bench.blk;
