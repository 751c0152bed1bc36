/**
 * dom0's console backend (what xenconsoled does): each guest's primary console ring
 * ({@code struct xencons_interface}, io/console.h) mapped by grant, its output kept in a bounded
 * history and streamed to attached clients ({@code jxen console}), their input written into the
 * ring.
 */
package io.jxen.host.console;
