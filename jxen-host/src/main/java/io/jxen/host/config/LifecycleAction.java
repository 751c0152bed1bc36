package io.jxen.host.config;

/**
 * What the toolstack does when a guest shuts down ({@code on_poweroff}, {@code on_reboot},
 * {@code on_crash}, {@code on_watchdog} in xl.cfg(5)).
 */
public enum LifecycleAction {
    /** Destroy the domain. */
    DESTROY("destroy"),
    /** Destroy it and create a new one from the same configuration. */
    RESTART("restart"),
    /** Keep the domain (shut down) for inspection; {@code xl destroy} removes it later. */
    PRESERVE("preserve"),
    /** Write a core dump, then destroy (jxen writes no dump yet: destroy). */
    COREDUMP_DESTROY("coredump-destroy"),
    /** Write a core dump, then restart (jxen writes no dump yet: restart). */
    COREDUMP_RESTART("coredump-restart"),
    /** Rename the old domain, keep it, and start a new one. */
    RENAME_RESTART("rename-restart"),
    /** Reset the domain in place ({@code soft-reset}; jxen restarts it instead). */
    SOFT_RESET("soft-reset");

    private final String xlName;

    LifecycleAction(String xlName) {
        this.xlName = xlName;
    }

    /** The name in xl.cfg. */
    public String xlName() {
        return xlName;
    }

    /** The action named {@code name} in xl.cfg, or null. */
    public static LifecycleAction of(String name) {
        for (LifecycleAction a : values()) {
            if (a.xlName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** The accepted names, for error messages. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (LifecycleAction a : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(a.xlName);
        }
        return b.toString();
    }
}
