/** The guest's PV console over {@code struct xencons_interface} (io/console.h). */
package io.jxen.guest.console;
