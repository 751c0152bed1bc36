package io.jxen.abi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a Java constant that must equal {@code offsetof(type, member)} in the Xen 4.17
 * public headers, checked by the ABI oracle test. {@code member} may be a designator such
 * as {@code "time.version"} or {@code "vcpu_info[1]"}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface XenOffsetof {

    /** The C type, e.g. {@code "struct shared_info"}. */
    String type();

    /** The member designator, e.g. {@code "evtchn_pending"}. */
    String member();

    /** The C data model the layout belongs to; see {@link XenAbi}. */
    XenAbi abi() default XenAbi.X86_64;
}
