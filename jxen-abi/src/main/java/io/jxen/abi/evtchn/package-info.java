/**
 * event_channel.h: {@code EVTCHNOP_*} and their argument records, the 2-level port space
 * and the FIFO ABI's event words and control block.
 */
package io.jxen.abi.evtchn;
