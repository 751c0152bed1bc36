package io.jxen.abi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a Java constant that must equal {@code sizeof(type)} in the Xen 4.17 public headers,
 * checked by the ABI oracle test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface XenSizeof {

    /** The C type, e.g. {@code "struct shared_info"}. */
    String value();

    /** The C data model the layout belongs to; see {@link XenAbi}. */
    XenAbi abi() default XenAbi.X86_64;
}
