package io.jxen.host.nbd;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A deliberately small NBD client for the protocol tests: it sends exactly what a test says, right or wrong. */
final class MiniNbdClient implements AutoCloseable {

    record OptionReply(int option, int type, byte[] data) {
        int getInt(int at) {
            return ByteBuffer.wrap(data).getInt(at);
        }
    }

    record Reply(int error, long cookie, byte[] data) {
        Reply withData(byte[] bytes) {
            return new Reply(error, cookie, bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Reply r && r.error == error && r.cookie == cookie
                    && java.util.Arrays.equals(r.data, data);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(error, cookie, java.util.Arrays.hashCode(data));
        }
    }

    record Chunk(int flags, int type, long cookie, byte[] payload) {
        ByteBuffer buffer() {
            return ByteBuffer.wrap(payload);
        }
    }

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    int handshakeFlags;

    MiniNbdClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting and sends the client flags. */
    MiniNbdClient greet(int clientFlags) throws IOException {
        assertThat(in.readLong()).isEqualTo(NbdProtocol.NBDMAGIC);
        assertThat(in.readLong()).isEqualTo(NbdProtocol.IHAVEOPT);
        handshakeFlags = in.readUnsignedShort();
        out.writeInt(clientFlags);
        out.flush();
        return this;
    }

    void option(int option, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptionReply optionReply() throws IOException {
        assertThat(in.readLong()).isEqualTo(NbdProtocol.OPTION_REPLY_MAGIC);
        int option = in.readInt();
        int type = in.readInt();
        int length = in.readInt();
        assertThat(length).isBetween(0, 1 << 20);
        return new OptionReply(option, type, in.readNBytes(length));
    }

    /** Replies up to and including the first ACK or error. */
    List<OptionReply> optionReplies() throws IOException {
        List<OptionReply> replies = new ArrayList<>();
        while (true) {
            OptionReply reply = optionReply();
            replies.add(reply);
            if (reply.type() == NbdProtocol.REP_ACK || reply.type() < 0) {
                return replies;
            }
        }
    }

    static byte[] goData(String name, int... infos) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + bytes.length + 2 + 2 * infos.length);
        data.putInt(bytes.length).put(bytes).putShort((short) infos.length);
        for (int info : infos) {
            data.putShort((short) info);
        }
        return data.array();
    }

    static byte[] metaData(String name, String... queries) {
        ByteBuffer data = ByteBuffer.allocate(4096);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        data.putInt(bytes.length).put(bytes).putInt(queries.length);
        for (String query : queries) {
            byte[] q = query.getBytes(StandardCharsets.UTF_8);
            data.putInt(q.length).put(q);
        }
        return java.util.Arrays.copyOf(data.array(), data.position());
    }

    /** Fixed newstyle with no zeroes, optional structured replies and base:allocation, then GO. */
    MiniNbdClient connect(boolean structured, boolean baseAllocation) throws IOException {
        greet(NbdProtocol.CLIENT_FLAG_FIXED_NEWSTYLE | NbdProtocol.CLIENT_FLAG_NO_ZEROES);
        if (structured) {
            option(NbdProtocol.OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(optionReply().type()).isEqualTo(NbdProtocol.REP_ACK);
        }
        if (baseAllocation) {
            option(NbdProtocol.OPT_SET_META_CONTEXT, metaData("", NbdProtocol.BASE_ALLOCATION));
            List<OptionReply> replies = optionReplies();
            assertThat(replies).hasSize(2);
            assertThat(replies.getFirst().type()).isEqualTo(NbdProtocol.REP_META_CONTEXT);
        }
        option(NbdProtocol.OPT_GO, goData(""));
        assertThat(optionReplies().getLast().type()).isEqualTo(NbdProtocol.REP_ACK);
        return this;
    }

    void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(NbdProtocol.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** A simple reply; {@code dataLength} bytes follow it when it carries no error. */
    Reply simpleReply(int dataLength) throws IOException {
        assertThat(in.readInt()).isEqualTo(NbdProtocol.SIMPLE_REPLY_MAGIC);
        int error = in.readInt();
        long cookie = in.readLong();
        byte[] data = error == 0 ? in.readNBytes(dataLength) : new byte[0];
        return new Reply(error, cookie, data);
    }

    Chunk chunk() throws IOException {
        assertThat(in.readInt()).isEqualTo(NbdProtocol.STRUCTURED_REPLY_MAGIC);
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        int length = in.readInt();
        return new Chunk(flags, type, cookie, in.readNBytes(length));
    }

    /** True when the server has closed the connection (EOF or reset before {@code 10 s}). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
