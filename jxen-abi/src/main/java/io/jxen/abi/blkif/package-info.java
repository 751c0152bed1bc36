/**
 * io/blkif.h: block requests, responses and their ring, in both the x86_64 and the x86_32
 * layouts a frontend may use ({@code protocol} key).
 */
package io.jxen.abi.blkif;
