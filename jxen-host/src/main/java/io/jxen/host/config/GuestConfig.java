package io.jxen.host.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A guest as an xl.cfg file describes it, typed and checked: what the domain builder needs.
 * Defaults are xl's: 1 vCPU, {@code maxvcpus = vcpus}, 32 MiB ({@code libxl}'s default
 * {@code max_memkb}), {@code maxmem = memory}, type {@code pv}, {@code on_poweroff},
 * {@code on_crash} and {@code on_watchdog} {@code destroy}, {@code on_reboot}
 * {@code restart}. Keys jxen does not use are ignored, as xl ignores keys it does not know.
 *
 * @param name       {@code name} (required)
 * @param uuid       {@code uuid}, or a fresh random one
 * @param type       {@code type}
 * @param memoryMib  {@code memory}
 * @param maxMemMib  {@code maxmem}
 * @param vcpus      {@code vcpus}: vCPUs online at boot
 * @param maxVcpus   {@code maxvcpus}: vCPUs the domain is created with
 * @param disks      {@code disk}, relative targets resolved against the file's directory
 * @param onPoweroff {@code on_poweroff}
 * @param onReboot   {@code on_reboot}
 * @param onCrash    {@code on_crash}
 * @param onWatchdog {@code on_watchdog}
 * @param kernel     {@code kernel}, or null (recorded; jxen guests are Java programs)
 * @param cmdline    the kernel command line: {@code cmdline}, else {@code root=ROOT EXTRA}
 * @param timerMode  {@code timer_mode}, libxl's default when absent; used for {@code type = "hvm"}
 */
public record GuestConfig(String name, UUID uuid, DomainType type, long memoryMib, long maxMemMib, int vcpus,
                          int maxVcpus, List<DiskSpec> disks, LifecycleAction onPoweroff, LifecycleAction onReboot,
                          LifecycleAction onCrash, LifecycleAction onWatchdog, String kernel, String cmdline,
                          XlTimerMode timerMode) {

    /** libxl's default memory when {@code memory} is absent: 32 MiB. */
    public static final long DEFAULT_MEMORY_MIB = 32;
    /** Xen's {@code MAX_GUEST_CMDLINE}: start_info holds at most 1023 bytes and a NUL. */
    public static final int MAX_CMDLINE_BYTES = 1023;
    /** The most vCPUs a jxen domain may have ({@code io.jxen.hv.domain.DomainConfig.MAX_VCPUS}). */
    public static final int MAX_VCPUS = 128;
    /** The most memory a jxen guest may ask for, 1 TiB (a sanity bound; the host decides). */
    public static final long MAX_MEMORY_MIB = 1L << 20;

    private static final Pattern UUID_FORMAT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Copies the disk list. */
    public GuestConfig {
        disks = List.copyOf(disks);
    }

    /** Memory at boot in 4 KiB pages. */
    public long memoryPages() {
        return memoryMib * 256;
    }

    /** Most memory in 4 KiB pages. */
    public long maxMemoryPages() {
        return maxMemMib * 256;
    }

    /** The same guest under another name (xl's {@code rename-restart}). */
    public GuestConfig withName(String newName) {
        return new GuestConfig(newName, uuid, type, memoryMib, maxMemMib, vcpus, maxVcpus, disks, onPoweroff,
                onReboot, onCrash, onWatchdog, kernel, cmdline, timerMode);
    }

    /** The same guest with another UUID (a new incarnation beside a preserved one). */
    public GuestConfig withUuid(UUID newUuid) {
        return new GuestConfig(name, newUuid, type, memoryMib, maxMemMib, vcpus, maxVcpus, disks, onPoweroff,
                onReboot, onCrash, onWatchdog, kernel, cmdline, timerMode);
    }

    /**
     * Reads a config file.
     *
     * @throws ConfigException for any problem, naming the file and line
     */
    public static GuestConfig load(Path file) throws ConfigException {
        Path dir = file.toAbsolutePath().getParent();
        return from(XlConfigParser.parse(file), dir);
    }

    /**
     * Reads config text.
     *
     * @param source   name for messages
     * @param text     the contents
     * @param baseDir  directory that relative disk targets are relative to, or null to keep them
     * @throws ConfigException for any problem
     */
    public static GuestConfig parse(String source, String text, Path baseDir) throws ConfigException {
        return from(XlConfigParser.parse(source, text), baseDir);
    }

    /**
     * Types and checks parsed settings.
     *
     * @param cfg     the settings
     * @param baseDir directory relative disk targets are resolved against, or null
     * @throws ConfigException for a missing or bad value
     */
    public static GuestConfig from(XlConfig cfg, Path baseDir) throws ConfigException {
        String name = cfg.getString("name");
        if (name == null) {
            throw new ConfigException(cfg.source(), 0, "no 'name' is set; every domain needs name = \"...\"");
        }
        if (name.isEmpty()) {
            throw cfg.error("name", "'name' is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < 0x20 || name.charAt(i) == 0x7f) {
                throw cfg.error("name", "'name' contains a control character");
            }
        }
        UUID uuid = UUID.randomUUID();
        String uuidText = cfg.getString("uuid");
        if (uuidText != null) {
            if (!UUID_FORMAT.matcher(uuidText).matches()) {
                throw cfg.error("uuid", "'uuid' is '" + XlConfig.printable(uuidText)
                        + "'; expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex)");
            }
            uuid = UUID.fromString(uuidText);
        }
        DomainType type = DomainType.PV;
        String typeText = cfg.getString("type");
        if (typeText != null) {
            type = DomainType.of(typeText);
            if (type == null) {
                throw cfg.error("type", "unknown type '" + XlConfig.printable(typeText) + "'; expected pv, pvh, hvm");
            }
        }
        long memory = cfg.getLong("memory", 1, MAX_MEMORY_MIB, DEFAULT_MEMORY_MIB);
        long maxmem = cfg.getLong("maxmem", memory, MAX_MEMORY_MIB, memory);
        int vcpus = (int) cfg.getLong("vcpus", 1, MAX_VCPUS, 1);
        int maxVcpus = (int) cfg.getLong("maxvcpus", vcpus, MAX_VCPUS, vcpus);
        List<DiskSpec> disks = disks(cfg, baseDir);
        String cmdline = cfg.getString("cmdline");
        if (cmdline == null) {
            String root = cfg.getString("root");
            String extra = cfg.getString("extra");
            StringBuilder b = new StringBuilder();
            if (root != null) {
                b.append("root=").append(root);
            }
            if (extra != null) {
                b.append(b.isEmpty() ? "" : " ").append(extra);
            }
            cmdline = b.toString();
        }
        if (cmdline.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_CMDLINE_BYTES
                || cmdline.indexOf('\0') >= 0) {
            String key = cfg.setting("cmdline") != null ? "cmdline" : "extra";
            throw cfg.error(key, "the kernel command line must be at most " + MAX_CMDLINE_BYTES
                    + " bytes without NULs (start_info's cmd_line)");
        }
        return new GuestConfig(name, uuid, type, memory, maxmem, vcpus, maxVcpus, disks,
                action(cfg, "on_poweroff", LifecycleAction.DESTROY), action(cfg, "on_reboot", LifecycleAction.RESTART),
                action(cfg, "on_crash", LifecycleAction.DESTROY), action(cfg, "on_watchdog", LifecycleAction.DESTROY),
                cfg.getString("kernel"), cmdline, timerMode(cfg));
    }

    // xl_parse.c reads timer_mode as a number (the older form) or as libxl's name of the mode.
    private static XlTimerMode timerMode(XlConfig cfg) throws ConfigException {
        String text = cfg.getString("timer_mode");
        if (text == null) {
            return XlTimerMode.DEFAULT;
        }
        XlTimerMode mode = XlTimerMode.of(text);
        if (mode == null) {
            throw cfg.error("timer_mode", "unknown timer_mode '" + XlConfig.printable(text) + "'; expected "
                    + XlTimerMode.names() + ", or 0..3");
        }
        return mode;
    }

    private static List<DiskSpec> disks(XlConfig cfg, Path baseDir) throws ConfigException {
        ConfigValue.ListValue list = cfg.getList("disk");
        List<DiskSpec> disks = new ArrayList<>();
        if (list == null) {
            return disks;
        }
        Set<Integer> devids = new HashSet<>();
        int index = 0;
        for (ConfigValue.Atom item : list.items()) {
            index++;
            DiskSpec d;
            try {
                d = DiskSpec.parse(item.text(), index);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(cfg.source(), item.line(), e.getMessage());
            }
            if (!devids.add(d.vdev().number())) {
                throw new ConfigException(cfg.source(), item.line(), "disk spec " + index + ": vdev " + d.vdev().name()
                        + " (" + d.vdev().number() + ") is already used by another disk");
            }
            if (baseDir != null && !d.target().isEmpty()) {
                try {
                    Path p = Path.of(d.target());
                    if (!p.isAbsolute()) {
                        d = new DiskSpec(baseDir.resolve(p).normalize().toString(), d.format(), d.vdev(), d.readOnly(),
                                d.cdrom(), d.backendType(), d.backend(), d.script(), d.discard(), d.directIoSafe());
                    }
                } catch (java.nio.file.InvalidPathException e) {
                    throw new ConfigException(cfg.source(), item.line(), "disk spec " + index + ": target '"
                            + XlConfig.printable(d.target()) + "' is not a valid path");
                }
            }
            disks.add(d);
        }
        return disks;
    }

    private static LifecycleAction action(XlConfig cfg, String key, LifecycleAction absent) throws ConfigException {
        String text = cfg.getString(key);
        if (text == null) {
            return absent;
        }
        LifecycleAction a = LifecycleAction.of(text.toLowerCase(Locale.ROOT));
        if (a == null) {
            throw cfg.error(key, "unknown " + key + " action '" + XlConfig.printable(text) + "'; expected "
                    + LifecycleAction.names());
        }
        return a;
    }
}
