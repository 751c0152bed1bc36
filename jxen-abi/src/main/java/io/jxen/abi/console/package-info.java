/**
 * io/console.h: the PV console page.
 */
package io.jxen.abi.console;
