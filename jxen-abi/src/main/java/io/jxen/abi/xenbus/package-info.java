/**
 * io/xenbus.h: the device state machine.
 */
package io.jxen.abi.xenbus;
