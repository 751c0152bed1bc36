package io.jxen.host.config;

/**
 * A virtual device name and its number, as {@code docs/misc/vbd-interface.txt} encodes it
 * for {@code virtual-device} and the {@code $DEVID} of xenstore device paths:
 *
 * <pre>
 *  202 &lt;&lt; 8 | disk &lt;&lt; 4 | partition    xvd, disks and partitions up to 15   (xvda = 51712)
 *    1 &lt;&lt; 28 | disk &lt;&lt; 8 | partition   xvd, disks or partitions 16 onwards (disk &lt; 2^20, part &lt; 256)
 *    8 &lt;&lt; 8 | disk &lt;&lt; 4 | partition    sd, disks and partitions up to 15
 *    3 &lt;&lt; 8 | disk &lt;&lt; 6 | partition    hd, disks 0..1, partitions 0..63
 *   22 &lt;&lt; 8 | (disk-2) &lt;&lt; 6 | part      hd, disks 2..3, partitions 0..63
 * </pre>
 *
 * Names: {@code xvd}/{@code sd}/{@code hd} + disk letters (a..z, aa.. in bijective base 26:
 * {@code xvdtq} is disk 536) + optional partition number; {@code dN} / {@code dNpM} for Xen
 * virtual disk N partition M; or a bare number (hex, decimal or octal) used as is.
 *
 * @param name   the name as written ({@code dev} in the backend)
 * @param number the encoded device number
 */
public record Vdev(String name, int number) {

    /**
     * Encodes a vdev name.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static Vdev parse(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty vdev");
        }
        char first = name.charAt(0);
        if (first >= '0' && first <= '9') {
            Long v = XlConfig.parseCLong(name);
            if (v == null || v < 0 || v >= (2L << 28) || name.charAt(0) == ' ') {
                throw new IllegalArgumentException("vdev number '" + name + "' is not a number below 2^29");
            }
            return new Vdev(name, (int) (long) v);
        }
        if (name.startsWith("xvd")) {
            int[] dp = lettersAndPartition(name, 3);
            return new Vdev(name, xen(name, dp[0], dp[1]));
        }
        if (name.startsWith("sd")) {
            int[] dp = lettersAndPartition(name, 2);
            if (dp[0] > 15 || dp[1] > 15) {
                throw new IllegalArgumentException("vdev '" + name + "': sd disks and partitions stop at 15");
            }
            return new Vdev(name, 8 << 8 | dp[0] << 4 | dp[1]);
        }
        if (name.startsWith("hd")) {
            int[] dp = lettersAndPartition(name, 2);
            if (dp[0] > 3 || dp[1] > 63) {
                throw new IllegalArgumentException("vdev '" + name + "': hd disks are hda..hdd, partitions up to 63");
            }
            int number = dp[0] < 2 ? 3 << 8 | dp[0] << 6 | dp[1] : 22 << 8 | (dp[0] - 2) << 6 | dp[1];
            return new Vdev(name, number);
        }
        if (first == 'd') {
            int p = name.indexOf('p');
            String disk = p < 0 ? name.substring(1) : name.substring(1, p);
            String part = p < 0 ? "0" : name.substring(p + 1);
            return new Vdev(name, xen(name, decimal(name, disk, 1 << 20), decimal(name, part, 256)));
        }
        throw new IllegalArgumentException("unknown vdev '" + name + "'; expected xvdX, sdX, hdX, dN[pM] or a number");
    }

    private static int xen(String name, int disk, int partition) {
        if (disk < 16 && partition < 16) {
            return 202 << 8 | disk << 4 | partition;
        }
        if (disk < (1 << 20) && partition < 256) {
            return 1 << 28 | disk << 8 | partition;
        }
        throw new IllegalArgumentException("vdev '" + name + "': disk must be below 2^20 and partition below 256");
    }

    /** Disk letters from {@code from} (bijective base 26), then optional partition digits. */
    private static int[] lettersAndPartition(String name, int from) {
        int i = from;
        long disk = 0;
        while (i < name.length() && name.charAt(i) >= 'a' && name.charAt(i) <= 'z') {
            disk = disk * 26 + (name.charAt(i) - 'a' + 1);
            if (disk > (1 << 20)) {
                throw new IllegalArgumentException("vdev '" + name + "': disk number too large");
            }
            i++;
        }
        if (i == from) {
            throw new IllegalArgumentException("vdev '" + name + "': no disk letter after '" + name.substring(0, from) + "'");
        }
        int partition = i == name.length() ? 0 : decimal(name, name.substring(i), 256);
        return new int[] {(int) disk - 1, partition};
    }

    private static int decimal(String name, String digits, int limit) {
        if (digits.isEmpty() || digits.length() > 7 || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw new IllegalArgumentException("vdev '" + name + "': bad number '" + digits + "'");
        }
        int v = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("vdev '" + name + "': bad number '" + digits + "'");
            }
            v = v * 10 + (c - '0');
        }
        if (v >= limit) {
            throw new IllegalArgumentException("vdev '" + name + "': " + v + " is too large (limit " + (limit - 1) + ")");
        }
        return v;
    }

    /** The disk number of a Xen-style ({@code 202 << 8} or {@code 1 << 28}) device, else -1. */
    public int xenDisk() {
        if ((number >>> 8) == 202) {
            return (number >> 4) & 0xf;
        }
        if ((number >>> 28) == 1) {
            return (number >> 8) & 0xfffff;
        }
        return -1;
    }
}
