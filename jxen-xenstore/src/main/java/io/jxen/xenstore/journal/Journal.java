package io.jxen.xenstore.journal;

import io.jxen.xenstore.store.Access;
import io.jxen.xenstore.store.Node;
import io.jxen.xenstore.store.Perm;
import io.jxen.xenstore.store.Permissions;
import io.jxen.xenstore.store.Store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * xenstored's durability journal (beyond Xen's daemons, which lose the store on a crash).
 *
 * <p>Layout of the directory:
 * <pre>
 *  snapshot        "JXSNAP01", epoch (u64), introduced domains, every node; CRC32C at the end.
 *                  Written as snapshot.tmp, fsynced, renamed over: it is whole or absent.
 *  journal-EPOCH   records appended since that snapshot:
 *                  [u32 length][u32 CRC32C of body][body = one committed request]
 * </pre>
 * A record is one committed request: the nodes it put (whole: value, permissions, children in
 * order) and removed, and the domains it introduced or released; a transaction commit is one
 * record, so replay applies a transaction wholly or not at all. Replay reads the snapshot, then
 * the journal of its epoch up to the first record that is short, oversized or fails its CRC
 * (a torn tail after a kill -9, or garbage): that tail is cut off and never applied.
 *
 * <p>{@link #append} writes without forcing; {@link #sync()} forces what was appended
 * ({@code FileChannel.force}), so the daemon groups the records of every request it ran
 * before it lets any reply out. {@link #compact} writes a snapshot and starts the journal of
 * the next epoch, keeping start-up proportional to the store rather than to its history.
 *
 * <p>Thread-safe (one lock).
 */
public final class Journal implements AutoCloseable {

    /** Default journal size that triggers compaction. */
    public static final long DEFAULT_COMPACT_BYTES = 16L << 20;
    /** A record larger than this is corruption (a request changes at most a few thousand nodes). */
    static final int MAX_RECORD = 64 << 20;
    private static final byte[] SNAPSHOT_MAGIC = "JXSNAP01".getBytes(StandardCharsets.US_ASCII);

    /**
     * One committed request.
     *
     * @param mutations  the nodes it changed, in order
     * @param introduced domains it introduced
     * @param released   domains it released (or that died)
     */
    public record Batch(List<Store.Mutation> mutations, List<Integer> introduced, List<Integer> released) {
        /** Copies the lists. */
        public Batch {
            mutations = List.copyOf(mutations);
            introduced = List.copyOf(introduced);
            released = List.copyOf(released);
        }

        /** Whether there is nothing to record. */
        public boolean isEmpty() {
            return mutations.isEmpty() && introduced.isEmpty() && released.isEmpty();
        }
    }

    private final Path dir;
    private final long compactBytes;
    private long epoch;
    private FileChannel log;
    private long size;
    private boolean dirty;
    private long syncs;
    private long compactions;
    private final Map<String, Node> recoveredNodes;
    private final Set<Integer> recoveredDomains = new TreeSet<>();
    private final List<Batch> recoveredBatches = new ArrayList<>();
    private long droppedTailBytes;

    private Journal(Path dir, long compactBytes) throws IOException {
        this.dir = dir;
        this.compactBytes = compactBytes;
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("snapshot.tmp"));
        this.recoveredNodes = readSnapshot();
        openLog();
    }

    /**
     * Opens (creating if needed) a journal directory and reads what it holds; a torn tail is
     * cut off here.
     *
     * @param dir          the directory
     * @param compactBytes journal size beyond which {@link #needsCompaction()} is true
     * @return the journal, positioned for appending
     * @throws IOException if the directory cannot be used or the snapshot is corrupt
     */
    public static Journal open(Path dir, long compactBytes) throws IOException {
        return new Journal(dir, compactBytes);
    }

    /** The snapshot's nodes, or null if there was no snapshot. */
    public Map<String, Node> recoveredNodes() {
        return recoveredNodes;
    }

    /** Domains introduced in the snapshot. */
    public Set<Integer> recoveredDomains() {
        return recoveredDomains;
    }

    /** Records after the snapshot, to apply in order. */
    public List<Batch> recoveredBatches() {
        return recoveredBatches;
    }

    /** Bytes cut off the journal's tail at open (0 after a clean stop). */
    public long droppedTailBytes() {
        return droppedTailBytes;
    }

    /** Journal bytes since the last snapshot. */
    public synchronized long size() {
        return size;
    }

    /** Number of {@code force} calls so far. */
    public synchronized long syncs() {
        return syncs;
    }

    /** Number of compactions so far. */
    public synchronized long compactions() {
        return compactions;
    }

    /** The journal file in use. */
    public synchronized Path file() {
        return dir.resolve("journal-" + epoch);
    }

    private Map<String, Node> readSnapshot() throws IOException {
        Path snap = dir.resolve("snapshot");
        if (!Files.exists(snap)) {
            epoch = 0;
            return null;
        }
        byte[] all = Files.readAllBytes(snap);
        if (all.length < SNAPSHOT_MAGIC.length + 12) {
            throw new IOException(snap + " is truncated");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - 4);
        int stored = ByteBuffer.wrap(all, all.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IOException(snap + " fails its checksum");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4));
        byte[] magic = in.readNBytes(SNAPSHOT_MAGIC.length);
        if (!java.util.Arrays.equals(magic, SNAPSHOT_MAGIC)) {
            throw new IOException(snap + " is not a jxen xenstored snapshot");
        }
        epoch = in.readLong();
        int domains = in.readInt();
        for (int i = 0; i < domains; i++) {
            recoveredDomains.add(in.readInt());
        }
        int n = in.readInt();
        Map<String, Node> nodes = new HashMap<>(Math.max(16, n * 2));
        for (int i = 0; i < n; i++) {
            String path = readString(in);
            nodes.put(path, readNode(in));
        }
        return nodes;
    }

    private void openLog() throws IOException {
        Path file = dir.resolve("journal-" + epoch);
        // A kill -9 between a snapshot's rename and the old journal's removal leaves that
        // journal behind: the snapshot covers it.
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("journal-") && !p.equals(file)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long length = log.size();
        long good = 0;
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (good + 8 <= length) {
            head.clear();
            if (readFully(log, head, good) < 8) {
                break;
            }
            int len = head.getInt(0);
            int sum = head.getInt(4);
            if (len <= 0 || len > MAX_RECORD || good + 8 + len > length) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(len);
            if (readFully(log, body, good + 8) < len) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(body.array(), 0, len);
            if ((int) crc.getValue() != sum) {
                break;
            }
            Batch b;
            try {
                b = decode(body.array());
            } catch (IOException | RuntimeException e) {
                break;
            }
            recoveredBatches.add(b);
            good += 8 + len;
        }
        droppedTailBytes = length - good;
        if (droppedTailBytes > 0) {
            log.truncate(good);
            log.force(true);
        }
        size = good;
        log.position(good);
    }

    private static int readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        int total = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /**
     * Appends one record (not yet forced).
     *
     * @param batch a committed request
     * @throws IOException if the write fails
     */
    public synchronized void append(Batch batch) throws IOException {
        byte[] body = encode(batch);
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer frame = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
        while (frame.hasRemaining()) {
            log.write(frame);
        }
        size += 8 + body.length;
        dirty = true;
    }

    /**
     * Forces every appended record to disk; nothing to do if none is pending.
     *
     * @throws IOException if the force fails
     */
    public synchronized void sync() throws IOException {
        if (!dirty) {
            return;
        }
        log.force(false);
        dirty = false;
        syncs++;
    }

    /** Whether the journal has grown past the compaction threshold. */
    public synchronized boolean needsCompaction() {
        return size > compactBytes;
    }

    /**
     * Writes a snapshot of the whole store and starts an empty journal for it.
     *
     * @param nodes   every node
     * @param domains introduced domains
     * @throws IOException if writing fails (the old snapshot and journal stay valid)
     */
    public synchronized void compact(Map<String, Node> nodes, Set<Integer> domains) throws IOException {
        sync();
        long next = epoch + 1;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(SNAPSHOT_MAGIC);
        out.writeLong(next);
        out.writeInt(domains.size());
        for (int d : domains) {
            out.writeInt(d);
        }
        out.writeInt(nodes.size());
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            writeString(out, e.getKey());
            writeNode(out, e.getValue());
        }
        out.flush();
        CRC32C crc = new CRC32C();
        byte[] body = bytes.toByteArray();
        crc.update(body);
        Path tmp = dir.resolve("snapshot.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
            b.put(body).putInt((int) crc.getValue()).flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve("snapshot"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the journal directory must support atomic renames", e);
        }
        syncDirectory();
        Path old = dir.resolve("journal-" + epoch);
        log.close();
        epoch = next;
        log = FileChannel.open(dir.resolve("journal-" + epoch), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        size = 0;
        dirty = false;
        syncDirectory();
        Files.deleteIfExists(old);
        compactions++;
    }

    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory; the rename is still atomic
        }
    }

    @Override
    public synchronized void close() throws IOException {
        sync();
        log.close();
    }

    // ---- codec -------------------------------------------------------------------------------

    static byte[] encode(Batch b) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(b.mutations().size());
        for (Store.Mutation m : b.mutations()) {
            writeString(out, m.path());
            out.writeBoolean(m.node() != null);
            if (m.node() != null) {
                writeNode(out, m.node());
            }
        }
        out.writeInt(b.introduced().size());
        for (int d : b.introduced()) {
            out.writeInt(d);
        }
        out.writeInt(b.released().size());
        for (int d : b.released()) {
            out.writeInt(d);
        }
        out.flush();
        return bytes.toByteArray();
    }

    static Batch decode(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        int n = count(in);
        List<Store.Mutation> ms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String path = readString(in);
            ms.add(new Store.Mutation(path, in.readBoolean() ? readNode(in) : null));
        }
        int ni = count(in);
        List<Integer> intro = new ArrayList<>(ni);
        for (int i = 0; i < ni; i++) {
            intro.add(in.readInt());
        }
        int nr = count(in);
        List<Integer> rel = new ArrayList<>(nr);
        for (int i = 0; i < nr; i++) {
            rel.add(in.readInt());
        }
        if (in.available() != 0) {
            throw new IOException("trailing bytes in a record");
        }
        return new Batch(ms, intro, rel);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_RECORD) {
            throw new IOException("bad count " + n);
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.ISO_8859_1);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = count(in);
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return b;
    }

    private static void writeNode(DataOutputStream out, Node n) throws IOException {
        out.writeInt(n.value().length);
        out.write(n.value());
        out.writeInt(n.perms().entries().size());
        for (Perm p : n.perms().entries()) {
            out.writeByte(p.access().letter());
            out.writeInt(p.domid());
        }
        out.writeInt(n.children().size());
        for (String c : n.children()) {
            writeString(out, c);
        }
    }

    private static Node readNode(DataInputStream in) throws IOException {
        byte[] value = readBytes(in);
        int np = count(in);
        if (np == 0) {
            throw new IOException("a node without an owner");
        }
        List<Perm> perms = new ArrayList<>(np);
        for (int i = 0; i < np; i++) {
            Access a = Access.ofLetter((char) in.readUnsignedByte());
            if (a == null) {
                throw new IOException("bad permission letter");
            }
            perms.add(new Perm(a, in.readInt()));
        }
        int nc = count(in);
        List<String> children = new ArrayList<>(nc);
        for (int i = 0; i < nc; i++) {
            children.add(readString(in));
        }
        return new Node(value, new Permissions(perms), children, 0);
    }
}
