package io.jxen.host.nbd;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jxen.host.nbd.NbdProtocol.*;

/**
 * One client, from greeting to disconnect: the fixed newstyle negotiation here, then
 * {@link NbdTransmission}. A violation of the protocol that leaves the stream out of step
 * throws {@link ProtocolViolation}, which ends this connection only.
 */
final class NbdConnection {

    private static final System.Logger LOG = System.getLogger("jxen.nbd");
    private static final int MAX_OPTIONS = 4096;
    private static final int MAX_STRING_BYTES = 4096;

    /** The client broke the protocol in a way that cannot be answered: close the connection. */
    static final class ProtocolViolation extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message);
        }
    }

    /** A malformed option: answered with {@code NBD_REP_ERR_INVALID}, negotiation goes on. */
    private static final class InvalidOption extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidOption(String message) {
            super(message, null, false, false);
        }
    }

    /** What negotiation agreed on. */
    record Session(boolean structuredReplies, boolean baseAllocation) {
    }

    private final NbdServer.Export export;
    private final SocketChannel channel;
    private final NbdInput in;
    private final DataOutputStream out;
    private boolean fixedNewstyle;
    private boolean noZeroes;
    private boolean structuredReplies;
    private boolean baseAllocation;

    private final Runnable negotiated;

    /**
     * @param negotiated called once negotiation succeeded (the server's handshake deadline is
     *                   then cancelled)
     */
    NbdConnection(NbdServer.Export export, SocketChannel channel, Runnable negotiated) {
        this.export = export;
        this.negotiated = negotiated;
        this.channel = channel;
        this.in = new NbdInput(channel);
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
    }

    void run() {
        try {
            Session session = negotiate();
            if (session != null) {
                negotiated.run();
                new NbdTransmission(export, session, channel, in).serve();
            }
        } catch (EOFException e) {
            LOG.log(System.Logger.Level.DEBUG, "nbd: client went away");
        } catch (ProtocolViolation e) {
            LOG.log(System.Logger.Level.INFO, "nbd: closing a client that broke the protocol: " + e.getMessage());
        } catch (IOException e) {
            if (channel.isOpen()) {
                LOG.log(System.Logger.Level.DEBUG, "nbd: connection failed: " + e);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "nbd: connection failed", e);
        }
    }

    /** Greets, runs the option haggling; returns the session, or null when the client aborted. */
    private Session negotiate() throws IOException {
        out.writeLong(NBDMAGIC);
        out.writeLong(IHAVEOPT);
        out.writeShort(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        out.flush();
        int clientFlags = in.readInt();
        if ((clientFlags & ~(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES)) != 0) {
            // proto.md: the server MUST drop the connection on an unknown client flag.
            throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        fixedNewstyle = (clientFlags & CLIENT_FLAG_FIXED_NEWSTYLE) != 0;
        noZeroes = (clientFlags & CLIENT_FLAG_NO_ZEROES) != 0;
        for (int count = 0; count < MAX_OPTIONS; count++) {
            if (in.readLong() != IHAVEOPT) {
                throw new ProtocolViolation("option without IHAVEOPT");
            }
            int option = in.readInt();
            long length = Integer.toUnsignedLong(in.readInt());
            if (length > NbdServer.MAX_OPTION_BYTES) {
                throw new ProtocolViolation("option " + option + " of " + length + " bytes");
            }
            byte[] data = in.readNBytes((int) length);
            if (!fixedNewstyle && option != OPT_EXPORT_NAME) {
                throw new ProtocolViolation("option " + option + " from a client without fixed newstyle");
            }
            try {
                switch (option) {
                    case OPT_EXPORT_NAME -> {
                        exportName(data);
                        return session();
                    }
                    case OPT_ABORT -> {
                        abort(option);
                        return null;
                    }
                    case OPT_LIST -> list(data);
                    case OPT_INFO -> info(option, data);
                    case OPT_GO -> {
                        if (info(option, data)) {
                            return session();
                        }
                    }
                    case OPT_STRUCTURED_REPLY -> structuredReply(data);
                    case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, data);
                    default -> replyError(option, REP_ERR_UNSUP, "option " + option + " is not supported");
                }
            } catch (InvalidOption e) {
                if (option == OPT_SET_META_CONTEXT) {
                    baseAllocation = false; // a failed SET still replaces the selection (proto.md)
                }
                replyError(option, REP_ERR_INVALID, e.getMessage());
            }
        }
        throw new ProtocolViolation("more than " + MAX_OPTIONS + " options");
    }

    private Session session() {
        return new Session(structuredReplies, structuredReplies && baseAllocation);
    }

    private void exportName(byte[] data) throws IOException {
        String name = decode(data);
        if (name == null || !export.answersTo(name)) {
            // proto.md: with NBD_OPT_EXPORT_NAME the only answer to an unknown export is to close.
            throw new ProtocolViolation("unknown export in NBD_OPT_EXPORT_NAME");
        }
        out.writeLong(export.device().sizeBytes());
        out.writeShort(export.transmissionFlags());
        if (!noZeroes) {
            out.write(new byte[124]);
        }
        out.flush();
    }

    private void abort(int option) {
        try {
            reply(option, REP_ACK, new byte[0]);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "nbd: client left before the abort ack");
        }
    }

    private void list(byte[] data) throws IOException, InvalidOption {
        if (data.length != 0) {
            throw new InvalidOption("NBD_OPT_LIST takes no data");
        }
        byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
        reply(OPT_LIST, REP_SERVER, ByteBuffer.allocate(4 + name.length).putInt(name.length).put(name).array());
        reply(OPT_LIST, REP_ACK, new byte[0]);
    }

    /** NBD_OPT_INFO or NBD_OPT_GO; true when the export was found and acknowledged. */
    private boolean info(int option, byte[] data) throws IOException, InvalidOption {
        ByteBuffer request = ByteBuffer.wrap(data);
        String name = readString(request);
        if (request.remaining() < 2) {
            throw new InvalidOption("information request count missing");
        }
        int count = Short.toUnsignedInt(request.getShort());
        if (request.remaining() != count * 2) {
            throw new InvalidOption("information request count " + count + " does not match the option length");
        }
        List<Integer> requested = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requested.add(Short.toUnsignedInt(request.getShort()));
        }
        if (!export.answersTo(name)) {
            replyError(option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return false;
        }
        reply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT)
                .putLong(export.device().sizeBytes()).putShort((short) export.transmissionFlags()).array());
        if (requested.contains(INFO_NAME)) {
            byte[] bytes = export.name().getBytes(StandardCharsets.UTF_8);
            reply(option, REP_INFO, ByteBuffer.allocate(2 + bytes.length).putShort((short) INFO_NAME).put(bytes).array());
        }
        if (requested.contains(INFO_DESCRIPTION) && export.options().description() != null) {
            byte[] bytes = export.options().description().getBytes(StandardCharsets.UTF_8);
            reply(option, REP_INFO, ByteBuffer.allocate(2 + bytes.length).putShort((short) INFO_DESCRIPTION)
                    .put(bytes).array());
        }
        if (requested.contains(INFO_BLOCK_SIZE)) {
            reply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE).putInt(MIN_BLOCK_BYTES)
                    .putInt(PREFERRED_BLOCK_BYTES).putInt(export.options().maxPayloadBytes()).array());
        }
        reply(option, REP_ACK, new byte[0]);
        return true;
    }

    private void structuredReply(byte[] data) throws IOException, InvalidOption {
        if (data.length != 0) {
            throw new InvalidOption("NBD_OPT_STRUCTURED_REPLY takes no data");
        }
        structuredReplies = true;
        reply(OPT_STRUCTURED_REPLY, REP_ACK, new byte[0]);
    }

    private void metaContext(int option, byte[] data) throws IOException, InvalidOption {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set) {
            baseAllocation = false;
        }
        if (!structuredReplies) {
            throw new InvalidOption("negotiate structured replies first");
        }
        ByteBuffer request = ByteBuffer.wrap(data);
        String name = readString(request);
        if (request.remaining() < 4) {
            throw new InvalidOption("query count missing");
        }
        long queries = Integer.toUnsignedLong(request.getInt());
        List<String> names = new ArrayList<>();
        for (long i = 0; i < queries; i++) {
            names.add(readString(request));
        }
        if (request.hasRemaining()) {
            throw new InvalidOption("trailing bytes after the queries");
        }
        if (!export.answersTo(name)) {
            replyError(option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        boolean match = set
                ? names.contains(BASE_ALLOCATION)
                : names.isEmpty() || names.contains(BASE_ALLOCATION) || names.contains("base:");
        if (match) {
            byte[] context = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
            // LIST answers with id 0 (reserved, proto.md); SET with the id BLOCK_STATUS will carry.
            reply(option, REP_META_CONTEXT, ByteBuffer.allocate(4 + context.length)
                    .putInt(set ? BASE_ALLOCATION_ID : 0).put(context).array());
            if (set) {
                baseAllocation = true;
            }
        }
        reply(option, REP_ACK, new byte[0]);
    }

    /** A 32-bit length and that many UTF-8 bytes, bounded. */
    private static String readString(ByteBuffer buffer) throws InvalidOption {
        if (buffer.remaining() < 4) {
            throw new InvalidOption("string length missing");
        }
        long length = Integer.toUnsignedLong(buffer.getInt());
        if (length > MAX_STRING_BYTES || length > buffer.remaining()) {
            throw new InvalidOption("string of " + length + " bytes");
        }
        byte[] bytes = new byte[(int) length];
        buffer.get(bytes);
        String text = decode(bytes);
        if (text == null) {
            throw new InvalidOption("string is not UTF-8");
        }
        return text;
    }

    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void reply(int option, int type, byte[] data) throws IOException {
        out.writeLong(OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    private void replyError(int option, int type, String message) throws IOException {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        reply(option, type, text.length > 1024 ? java.util.Arrays.copyOf(text, 1024) : text);
    }
}
