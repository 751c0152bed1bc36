/** The evtchn user device with NetBSD's {@code xenevt} semantics, as a Java API. */
package io.jxen.guest.evtchn;
