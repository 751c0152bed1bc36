/**
 * io/ring.h: the header every shared ring page starts with and the ring-size rule.
 */
package io.jxen.abi.ring;
