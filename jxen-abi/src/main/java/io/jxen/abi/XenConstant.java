package io.jxen.abi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a Java constant whose value must equal a C expression evaluated against the Xen
 * 4.17 public headers. The ABI oracle test compiles every such expression with gcc and
 * compares; a numeric {@code public static final} field of the ABI module that carries none
 * of the oracle annotations fails that test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface XenConstant {

    /** The C expression, usually the macro's name, e.g. {@code "EVTCHNOP_send"}. */
    String value();

    /**
     * The C data models the expression is evaluated under; by default every one, so a
     * constant that differed between {@code gcc -m64} and {@code gcc -m32} would fail.
     */
    XenAbi[] abi() default {XenAbi.X86_64, XenAbi.X86_32};
}
