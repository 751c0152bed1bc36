package io.jxen.host.config;

/** xl.cfg {@code type}: how the guest is virtualised. */
public enum DomainType {
    /** Paravirtualised (xl's default): start_info, no emulated hardware. */
    PV("pv"),
    /** PVH: a PV-style guest in an HVM container. */
    PVH("pvh"),
    /** Fully virtualised, with a device model. */
    HVM("hvm");

    private final String xlName;

    DomainType(String xlName) {
        this.xlName = xlName;
    }

    /** The name in xl.cfg. */
    public String xlName() {
        return xlName;
    }

    /** The type named {@code name}, or null. */
    public static DomainType of(String name) {
        for (DomainType t : values()) {
            if (t.xlName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
