/**
 * hvm/params.h and hvm/hvm_op.h: HVM parameter indices, timer-mode policies and
 * {@code HVMOP_set_param} / {@code HVMOP_get_param}.
 */
package io.jxen.abi.hvm;
