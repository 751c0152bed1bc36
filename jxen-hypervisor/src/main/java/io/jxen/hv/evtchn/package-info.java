/**
 * Event channels (xen/common/event_channel.c): ports and every {@code EVTCHNOP}, over the
 * 2-level ABI (event_2l.c) or the FIFO ABI (event_fifo.c).
 */
package io.jxen.hv.evtchn;
