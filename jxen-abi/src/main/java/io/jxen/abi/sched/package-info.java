/**
 * sched.h: {@code SCHEDOP_*}, shutdown reasons, and the shutdown and poll records.
 */
package io.jxen.abi.sched;
