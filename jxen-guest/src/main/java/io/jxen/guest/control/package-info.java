/** The control driver: {@code control/shutdown} requests acknowledged and carried out. */
package io.jxen.guest.control;
