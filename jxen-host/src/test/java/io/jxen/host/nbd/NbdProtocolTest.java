package io.jxen.host.nbd;

import io.jxen.drivers.block.MemoryBlockDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.jxen.host.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The server's handshake, commands and error paths, driven byte by byte by {@link MiniNbdClient}. */
class NbdProtocolTest {

    private static final int SIZE = 1 << 20;

    private MemoryBlockDevice device;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        device = new MemoryBlockDevice(SIZE, false);
        server = NbdServer.start(device, 0, "disk", NbdServer.Options.defaults());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        assertThat(server.activeConnections()).isZero();
    }

    private MiniNbdClient client() throws IOException {
        return new MiniNbdClient(server.port());
    }

    @Test
    void greetingOffersFixedNewstyleAndNoZeroes() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            assertThat(c.handshakeFlags).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws IOException {
        try (MiniNbdClient c = client().greet(0x4 | CLIENT_FLAG_FIXED_NEWSTYLE)) {
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownOptionIsUnsupportedAndNegotiationGoesOn() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES)) {
            c.option(99, new byte[] {1, 2, 3});
            MiniNbdClient.OptionReply reply = c.optionReply();
            assertThat(reply.option()).isEqualTo(99);
            assertThat(reply.type()).isEqualTo(REP_ERR_UNSUP);
            c.option(OPT_STARTTLS, new byte[0]);
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_UNSUP);
            c.option(OPT_GO, MiniNbdClient.goData("disk", INFO_NAME, INFO_BLOCK_SIZE));
            List<MiniNbdClient.OptionReply> replies = c.optionReplies();
            assertThat(replies).extracting(MiniNbdClient.OptionReply::type)
                    .containsExactly(REP_INFO, REP_INFO, REP_INFO, REP_ACK);
            ByteBuffer export = ByteBuffer.wrap(replies.getFirst().data());
            assertThat(export.getShort()).isEqualTo((short) INFO_EXPORT);
            assertThat(export.getLong()).isEqualTo(SIZE);
            int flags = Short.toUnsignedInt(export.getShort());
            assertThat(flags).isEqualTo(TF_HAS_FLAGS | TF_SEND_FLUSH | TF_SEND_FUA | TF_SEND_DF | TF_SEND_TRIM
                    | TF_SEND_WRITE_ZEROES | TF_CAN_MULTI_CONN);
            assertThat(new String(replies.get(1).data(), 2, 4, StandardCharsets.UTF_8)).isEqualTo("disk");
            ByteBuffer blockSize = ByteBuffer.wrap(replies.get(2).data());
            assertThat(blockSize.getShort()).isEqualTo((short) INFO_BLOCK_SIZE);
            assertThat(blockSize.getInt()).isEqualTo(1);
            assertThat(blockSize.getInt()).isEqualTo(4096);
            assertThat(blockSize.getInt()).isEqualTo(32 << 20);
        }
    }

    @Test
    void malformedOptionsGetInvalidOrUnknown() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            c.option(OPT_GO, MiniNbdClient.goData("nope"));
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            byte[] lying = MiniNbdClient.goData("disk", INFO_NAME);
            c.option(OPT_INFO, Arrays.copyOf(lying, lying.length - 1));
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            c.option(OPT_INFO, ByteBuffer.allocate(6).putInt(1 << 30).array());
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            c.option(OPT_LIST, new byte[1]);
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            c.option(OPT_STRUCTURED_REPLY, new byte[4]);
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            c.option(OPT_SET_META_CONTEXT, MiniNbdClient.metaData("disk", BASE_ALLOCATION));
            assertThat(c.optionReply().type()).as("meta context before structured replies").isEqualTo(REP_ERR_INVALID);
            c.option(OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(c.optionReply().type()).isEqualTo(REP_ACK);
            c.option(OPT_SET_META_CONTEXT, MiniNbdClient.metaData("other", BASE_ALLOCATION));
            assertThat(c.optionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            c.option(OPT_INFO, MiniNbdClient.goData("disk"));
            assertThat(c.optionReplies()).extracting(MiniNbdClient.OptionReply::type).containsExactly(REP_INFO, REP_ACK);
            c.option(OPT_ABORT, new byte[0]);
            assertThat(c.optionReply().type()).isEqualTo(REP_ACK);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void listAndMetaContextQueries() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            c.option(OPT_LIST, new byte[0]);
            List<MiniNbdClient.OptionReply> list = c.optionReplies();
            assertThat(list).extracting(MiniNbdClient.OptionReply::type).containsExactly(REP_SERVER, REP_ACK);
            assertThat(list.getFirst().getInt(0)).isEqualTo(4);
            assertThat(new String(list.getFirst().data(), 4, 4, StandardCharsets.UTF_8)).isEqualTo("disk");
            c.option(OPT_STRUCTURED_REPLY, new byte[0]);
            c.optionReply();
            c.option(OPT_LIST_META_CONTEXT, MiniNbdClient.metaData("disk"));
            List<MiniNbdClient.OptionReply> all = c.optionReplies();
            assertThat(all).extracting(MiniNbdClient.OptionReply::type).containsExactly(REP_META_CONTEXT, REP_ACK);
            assertThat(new String(all.getFirst().data(), 4, all.getFirst().data().length - 4, StandardCharsets.UTF_8))
                    .isEqualTo(BASE_ALLOCATION);
            c.option(OPT_LIST_META_CONTEXT, MiniNbdClient.metaData("disk", "qemu:dirty-bitmap:x"));
            assertThat(c.optionReplies()).extracting(MiniNbdClient.OptionReply::type).containsExactly(REP_ACK);
            c.option(OPT_SET_META_CONTEXT, MiniNbdClient.metaData("disk", "qemu:dirty-bitmap:x", BASE_ALLOCATION));
            List<MiniNbdClient.OptionReply> set = c.optionReplies();
            assertThat(set).extracting(MiniNbdClient.OptionReply::type).containsExactly(REP_META_CONTEXT, REP_ACK);
            assertThat(set.getFirst().getInt(0)).isEqualTo(BASE_ALLOCATION_ID);
        }
    }

    @Test
    void exportNameWorksForOldClientsAndClosesOnUnknownNames() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            c.option(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertThat(c.in.readLong()).isEqualTo(SIZE);
            assertThat(c.in.readUnsignedShort() & TF_HAS_FLAGS).isEqualTo(TF_HAS_FLAGS);
            assertThat(c.in.readNBytes(124)).containsOnly(0); // no NO_ZEROES from this client
            c.request(0, CMD_READ, 1, 0, 512, null);
            assertThat(c.simpleReply(512).error()).isZero();
        }
        try (MiniNbdClient c = client().greet(0)) { // plain newstyle
            c.option(OPT_EXPORT_NAME, "elsewhere".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
        }
        try (MiniNbdClient c = client().greet(0)) {
            c.option(OPT_LIST, new byte[0]); // not allowed without fixed newstyle
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedOrUnframedOptionsCloseOnlyThatConnection() throws IOException {
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            c.out.writeLong(IHAVEOPT);
            c.out.writeInt(OPT_GO);
            c.out.writeInt(-1); // 4 GiB of option data
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
        try (MiniNbdClient c = client().greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            c.out.writeLong(0x1234);
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
        try (MiniNbdClient c = client().connect(false, false)) {
            c.request(0, CMD_READ, 5, 0, 16, null);
            assertThat(c.simpleReply(16).cookie()).isEqualTo(5);
        }
    }

    @Test
    void simpleRepliesForEveryCommandAndTheirErrors() throws IOException {
        byte[] data = new byte[8192];
        new Random(1).nextBytes(data);
        try (MiniNbdClient c = client().connect(false, false)) {
            c.request(CMD_FLAG_FUA, CMD_WRITE, 1, 4096, data.length, data);
            assertThat(c.simpleReply(0)).isEqualTo(new MiniNbdClient.Reply(0, 1, new byte[0]).withData(new byte[0]));
            c.request(0, CMD_READ, 2, 4096, data.length, null);
            assertThat(c.simpleReply(data.length).data()).isEqualTo(data);
            c.request(0, CMD_FLUSH, 3, 0, 0, null);
            assertThat(c.simpleReply(0).error()).isZero();
            c.request(0, CMD_TRIM, 4, 4096, 4096, null);
            assertThat(c.simpleReply(0).error()).isZero();
            c.request(CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 5, 8192, 100, null);
            assertThat(c.simpleReply(0).error()).isZero();
            c.request(0, CMD_READ, 6, 4096, 8192, null);
            byte[] expected = data.clone();
            Arrays.fill(expected, 0, 4096, (byte) 0);
            Arrays.fill(expected, 4096, 4196, (byte) 0);
            assertThat(c.simpleReply(8192).data()).isEqualTo(expected);

            c.request(0, CMD_READ, 7, SIZE - 10, 11, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0, CMD_READ, 8, -512, 512, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0, CMD_WRITE, 9, SIZE, 1, new byte[1]);
            assertThat(c.simpleReply(0).error()).isEqualTo(ENOSPC);
            c.request(0, CMD_WRITE_ZEROES, 10, SIZE - 512, 1024, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(ENOSPC);
            c.request(0, CMD_READ, 11, 0, (32 << 20) + 1, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0, 5, 12, 0, 512, null); // NBD_CMD_CACHE, not advertised
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0, 200, 13, 0, 512, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0x100, CMD_WRITE, 14, 0, 4, new byte[4]); // unknown flag: payload still consumed
            assertThat(c.simpleReply(0).error()).isEqualTo(EINVAL);
            c.request(0, CMD_BLOCK_STATUS, 15, 0, 512, null);
            assertThat(c.simpleReply(0).error()).as("no meta context").isEqualTo(EINVAL);
            c.request(0, CMD_READ, 16, 0, 4, null);
            assertThat(c.simpleReply(4).cookie()).isEqualTo(16);
            c.request(0, CMD_DISC, 17, 0, 0, null);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedWriteAndBadMagicCloseTheConnection() throws IOException {
        try (MiniNbdClient c = client().connect(false, false)) {
            c.request(0, CMD_WRITE, 1, 0, (32 << 20) + 1, null);
            assertThat(c.closedByServer()).isTrue();
        }
        try (MiniNbdClient c = client().connect(true, true)) {
            c.out.writeInt(0xdeadbeef);
            c.out.write(new byte[24]);
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void structuredReadsErrorsAndBlockStatus() throws IOException {
        try (MiniNbdClient c = client().connect(true, true)) {
            byte[] data = new byte[5000];
            Arrays.fill(data, (byte) 7);
            c.request(0, CMD_WRITE, 1, 8192, data.length, data);
            assertThat(c.simpleReply(0).error()).isZero();

            c.request(CMD_FLAG_DF, CMD_READ, 2, 8192, 100, null);
            MiniNbdClient.Chunk chunk = c.chunk();
            assertThat(chunk.flags()).isEqualTo(REPLY_FLAG_DONE);
            assertThat(chunk.type()).isEqualTo(REPLY_TYPE_OFFSET_DATA);
            assertThat(chunk.cookie()).isEqualTo(2);
            assertThat(chunk.buffer().getLong()).isEqualTo(8192);
            assertThat(Arrays.copyOfRange(chunk.payload(), 8, 108)).containsOnly(7);

            c.request(0, CMD_READ, 3, SIZE, 1, null);
            MiniNbdClient.Chunk error = c.chunk();
            assertThat(error.type()).isEqualTo(REPLY_TYPE_ERROR);
            assertThat(error.flags()).isEqualTo(REPLY_FLAG_DONE);
            assertThat(error.buffer().getInt()).isEqualTo(EINVAL);
            int messageLength = error.buffer().getShort(4);
            assertThat(error.payload()).hasSize(6 + messageLength);

            c.request(0, CMD_BLOCK_STATUS, 4, 0, SIZE, null);
            MiniNbdClient.Chunk status = c.chunk();
            assertThat(status.type()).isEqualTo(REPLY_TYPE_BLOCK_STATUS);
            ByteBuffer extents = status.buffer();
            assertThat(extents.getInt()).isEqualTo(BASE_ALLOCATION_ID);
            // 4 KiB chunks: 8192..13191 written -> chunks 2..3 allocated.
            assertThat(new int[] {extents.getInt(), extents.getInt(), extents.getInt(), extents.getInt(),
                    extents.getInt(), extents.getInt()})
                    .containsExactly(8192, STATE_HOLE | STATE_ZERO, 8192, 0, SIZE - 16384, STATE_HOLE | STATE_ZERO);
            assertThat(extents.hasRemaining()).isFalse();

            c.request(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 5, 4096, 8192, null);
            ByteBuffer one = c.chunk().buffer();
            assertThat(one.remaining()).isEqualTo(12);
            assertThat(one.getInt(4)).isEqualTo(4096);

            c.request(0, CMD_BLOCK_STATUS, 6, 0, 0, null);
            assertThat(c.chunk().type()).isEqualTo(REPLY_TYPE_ERROR);
            c.request(0, CMD_READ, 7, 0, 0, null);
            assertThat(c.chunk().type()).isEqualTo(REPLY_TYPE_NONE);
        }
    }

    @Test
    void readOnlyExportRefusesWriteLikeCommandsWithEperm() throws IOException {
        try (NbdServer readOnly = NbdServer.start(device, 0, "ro", NbdServer.Options.defaults().asReadOnly());
             MiniNbdClient c = new MiniNbdClient(readOnly.port())) {
            c.greet(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES);
            c.option(OPT_GO, MiniNbdClient.goData("ro"));
            ByteBuffer export = ByteBuffer.wrap(c.optionReplies().getFirst().data());
            int flags = Short.toUnsignedInt(export.getShort(10));
            assertThat(flags & TF_READ_ONLY).isEqualTo(TF_READ_ONLY);
            assertThat(flags & (TF_SEND_TRIM | TF_SEND_WRITE_ZEROES)).isZero();
            c.request(0, CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4});
            assertThat(c.simpleReply(0).error()).isEqualTo(EPERM);
            c.request(0, CMD_TRIM, 2, 0, 4096, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EPERM);
            c.request(0, CMD_WRITE_ZEROES, 3, 0, 4096, null);
            assertThat(c.simpleReply(0).error()).isEqualTo(EPERM);
            c.request(0, CMD_FLUSH, 4, 0, 0, null);
            assertThat(c.simpleReply(0).error()).isZero();
        }
        assertThat(device.allocation(0, SIZE)).hasSize(1);
    }

    @Test
    void writesOnOneConnectionAreSeenOnAnotherAfterItsFlush() throws IOException {
        try (MiniNbdClient a = client().connect(false, false); MiniNbdClient b = client().connect(true, false)) {
            a.request(0, CMD_WRITE, 1, 0, 3, new byte[] {4, 5, 6});
            assertThat(a.simpleReply(0).error()).isZero();
            b.request(0, CMD_FLUSH, 2, 0, 0, null);
            assertThat(b.simpleReply(0).error()).isZero();
            b.request(0, CMD_READ, 3, 0, 3, null);
            assertThat(Arrays.copyOfRange(b.chunk().payload(), 8, 11)).containsExactly(4, 5, 6);
        }
    }

    @Test
    void garbageClientsNeverHurtTheServer() throws IOException {
        Random random = new Random(42);
        for (int i = 0; i < 40; i++) {
            try (MiniNbdClient c = client()) {
                byte[] garbage = new byte[random.nextInt(200)];
                random.nextBytes(garbage);
                if (i % 2 == 0) {
                    c.greet(CLIENT_FLAG_FIXED_NEWSTYLE);
                }
                c.out.write(garbage);
                c.out.flush();
            }
        }
        try (MiniNbdClient c = client().connect(true, true)) {
            c.request(0, CMD_READ, 9, 0, 512, null);
            assertThat(c.chunk().cookie()).isEqualTo(9);
        }
    }

    @Test
    void connectionsOverTheLimitAreClosed() throws IOException {
        try (NbdServer small = NbdServer.start(device, 0, "disk", NbdServer.Options.defaults().withMaxConnections(1));
             MiniNbdClient first = new MiniNbdClient(small.port()).greet(CLIENT_FLAG_FIXED_NEWSTYLE);
             MiniNbdClient second = new MiniNbdClient(small.port())) {
            assertThat(first.handshakeFlags).isNotZero();
            assertThat(second.closedByServer()).isTrue();
        }
    }

    @Test
    void silentClientsAreClosedAtTheHandshakeDeadlineButNegotiatedOnesStay() throws Exception {
        // The negotiated client connects first: the deadlines run on one scheduler thread in
        // the order they fall due, so once the silent client's has closed it, the negotiated
        // client's (earlier) deadline has passed too, without sleeping.
        try (NbdServer strict = NbdServer.start(device, 0, "disk",
                NbdServer.Options.defaults().withHandshakeTimeout(java.time.Duration.ofMillis(300)));
             MiniNbdClient working = new MiniNbdClient(strict.port()).connect(false, false);
             MiniNbdClient silent = new MiniNbdClient(strict.port()).greet(CLIENT_FLAG_FIXED_NEWSTYLE)) {
            assertThat(silent.closedByServer()).isTrue();
            working.request(0, CMD_READ, 1, 0, 8, null);
            assertThat(working.simpleReply(8).error()).isZero();
        }
    }

    @Test
    void unixSocketReplacesAStaleSocketButNeverAPlainFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path socket = dir.resolve("nbd.sock");
        NbdServer first = NbdServer.start(device, java.net.UnixDomainSocketAddress.of(socket), "disk",
                NbdServer.Options.defaults());
        first.close();
        // A socket file left behind (as after a crash): the next server takes the path over.
        try (java.nio.channels.ServerSocketChannel stale =
                     java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stale.bind(java.net.UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        try (NbdServer second = NbdServer.start(device, java.net.UnixDomainSocketAddress.of(socket), "disk",
                NbdServer.Options.defaults())) {
            assertThat(second.uri()).isEqualTo("nbd+unix:///disk?socket=" + socket);
        }
        java.nio.file.Path plain = dir.resolve("precious.txt");
        java.nio.file.Files.writeString(plain, "keep me");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NbdServer.start(device,
                        java.net.UnixDomainSocketAddress.of(plain), "disk", NbdServer.Options.defaults()))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(plain).hasContent("keep me");
    }

    @Test
    void clientsThatVanishMidRequestOrBeforeTheirReplyLeaveTheServerServing() throws Exception {
        try (MiniNbdClient c = client().connect(false, false)) {
            c.request(0, CMD_WRITE, 1, 0, 1 << 20, new byte[1000]); // promises 1 MiB, sends 1000 bytes, leaves
        }
        try (MiniNbdClient c = client().connect(true, false)) {
            for (int i = 0; i < 16; i++) {
                c.request(0, CMD_READ, i, 0, 1 << 20, null); // never reads the 16 MiB it asked for
            }
        }
        try (MiniNbdClient c = client().connect(true, true)) {
            c.request(0, CMD_READ, 77, 0, 512, null);
            assertThat(c.chunk().cookie()).isEqualTo(77);
        }
        for (int i = 0; i < 50 && server.activeConnections() > 0; i++) {
            Thread.sleep(100);
        }
        assertThat(server.activeConnections()).isZero();
    }

    @Test
    void concurrentConnectionsWritingDisjointRangesAllLand() throws Exception {
        int clients = 8;
        int blocks = 32;
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int t = 0; t < clients; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                try (MiniNbdClient c = client().connect(id % 2 == 0, false)) {
                    for (int b = 0; b < blocks; b++) {
                        byte[] data = new byte[4096];
                        Arrays.fill(data, (byte) (id * blocks + b));
                        c.request(b % 4 == 0 ? CMD_FLAG_FUA : 0, CMD_WRITE, b, (long) (id * blocks + b) * 4096,
                                4096, data);
                        assertThat(c.simpleReply(0).error()).isZero();
                    }
                    c.request(0, CMD_FLUSH, 999, 0, 0, null);
                    assertThat(c.simpleReply(0).error()).isZero();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
        for (int block = 0; block < clients * blocks; block++) {
            ByteBuffer back = ByteBuffer.allocate(4096);
            device.read((long) block * 4096, back);
            assertThat(back.array()).as("block %d", block).containsOnly((byte) block);
        }
    }
}
