package io.jxen.host.nbd;

import io.jxen.drivers.block.BlockDevice;
import io.jxen.drivers.block.Extent;
import io.jxen.drivers.block.OutOfRangeException;
import io.jxen.drivers.block.ReadOnlyDeviceException;
import io.jxen.drivers.block.UnsupportedBlockOperationException;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.jxen.host.nbd.NbdProtocol.*;

/**
 * The transmission phase of one connection: requests are served in the order they arrive,
 * each answered before the next is read. READ and BLOCK_STATUS answer with structured replies
 * once negotiated (proto.md requires it); the other commands use simple replies, as the
 * protocol allows. A request that can be answered with an error is; one that leaves the
 * stream out of step (bad magic, oversized WRITE payload) closes the connection.
 */
final class NbdTransmission {

    private static final System.Logger LOG = System.getLogger("jxen.nbd");

    /** Descriptors per BLOCK_STATUS reply at most; clients ask again for the rest. */
    private static final int MAX_EXTENTS = 64 * 1024;

    /** Extent lengths on the wire are 32 bits; keep them a multiple of 4 KiB below that. */
    private static final long MAX_EXTENT_BYTES = 0xFFFF_F000L;

    private final NbdServer.Export export;
    private final BlockDevice device;
    private final NbdConnection.Session session;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int maxPayload;
    private byte[] buffer = new byte[64 * 1024];

    NbdTransmission(NbdServer.Export export, NbdConnection.Session session, DataInputStream in, DataOutputStream out) {
        this.export = export;
        this.device = export.device();
        this.session = session;
        this.in = in;
        this.out = out;
        this.maxPayload = export.options().maxPayloadBytes();
    }

    void serve() throws IOException {
        while (true) {
            int magic;
            try {
                magic = in.readInt();
            } catch (java.io.EOFException e) {
                return; // a client may hang up between requests
            }
            if (magic != REQUEST_MAGIC) {
                throw new NbdConnection.ProtocolViolation("request magic 0x" + Integer.toHexString(magic));
            }
            int flags = Short.toUnsignedInt(in.readShort());
            int type = Short.toUnsignedInt(in.readShort());
            long cookie = in.readLong();
            long offset = in.readLong();
            long length = Integer.toUnsignedLong(in.readInt());
            if (type == CMD_DISC) {
                return;
            }
            if (type == CMD_WRITE) {
                if (length > maxPayload) {
                    // The payload follows; reading it to stay in step would let a client make us
                    // swallow 4 GiB. Close instead (proto.md allows a hard disconnect).
                    throw new NbdConnection.ProtocolViolation("WRITE of " + length + " bytes");
                }
                in.readFully(buffer(length), 0, (int) length);
            }
            if ((flags & ~CMD_FLAGS_KNOWN) != 0) {
                error(type, cookie, new Failure(EINVAL, "unknown command flags 0x" + Integer.toHexString(flags)));
                continue;
            }
            switch (type) {
                case CMD_READ -> read(cookie, offset, length);
                case CMD_WRITE -> reply(type, cookie, attempt(() -> {
                    checkWritable(offset, length);
                    device.write(offset, ByteBuffer.wrap(buffer, 0, (int) length), (flags & CMD_FLAG_FUA) != 0);
                }));
                case CMD_FLUSH -> reply(type, cookie, attempt(() -> {
                    if (!export.readOnly()) {
                        device.flush();
                    }
                }));
                case CMD_TRIM -> reply(type, cookie, attempt(() -> {
                    checkWritable(offset, length);
                    device.discard(offset, length);
                    if ((flags & CMD_FLAG_FUA) != 0) {
                        device.flush();
                    }
                }));
                case CMD_WRITE_ZEROES -> reply(type, cookie, attempt(() -> {
                    checkWritable(offset, length);
                    device.writeZeroes(offset, length, (flags & CMD_FLAG_NO_HOLE) == 0, (flags & CMD_FLAG_FUA) != 0);
                }));
                case CMD_BLOCK_STATUS -> blockStatus(cookie, offset, length, (flags & CMD_FLAG_REQ_ONE) != 0);
                default -> error(type, cookie, new Failure(EINVAL, "command " + type + " is not supported"));
            }
        }
    }

    /** What a refused or failed command answers: its NBD errno and a message for humans. */
    private record Failure(int errno, String message) {
    }

    /** One device call; the device's exceptions become a {@link Failure}, the socket is not touched. */
    @FunctionalInterface
    private interface DeviceCall {
        void run() throws IOException, Refused;
    }

    /** Runs {@code call}; null when it succeeded, else the errno to answer with. */
    private static Failure attempt(DeviceCall call) {
        try {
            call.run();
            return null;
        } catch (Refused e) {
            return new Failure(e.errno, e.getMessage());
        } catch (ReadOnlyDeviceException e) {
            return new Failure(EPERM, e.getMessage());
        } catch (OutOfRangeException e) {
            return new Failure(ENOSPC, e.getMessage());
        } catch (UnsupportedBlockOperationException e) {
            return new Failure(ENOTSUP, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "nbd: device error: " + e);
            return new Failure(EIO, "I/O error");
        }
    }

    private void reply(int type, long cookie, Failure failure) throws IOException {
        if (failure == null) {
            ok(cookie);
        } else {
            error(type, cookie, failure);
        }
    }

    /** A request refused before the device saw it, with its NBD errno. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        Refused(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    private byte[] buffer(long length) {
        if (buffer.length < length) {
            buffer = new byte[(int) Math.min(maxPayload, Math.max(length, buffer.length * 2L))];
        }
        return buffer;
    }

    private void checkWritable(long offset, long length) throws Refused {
        if (export.readOnly()) {
            throw new Refused(EPERM, "the export is read-only");
        }
        if (Long.compareUnsigned(offset, device.sizeBytes()) > 0 || length > device.sizeBytes() - offset) {
            throw new Refused(ENOSPC, "range past the end of the export");
        }
    }

    private void checkRange(long offset, long length) throws Refused {
        if (Long.compareUnsigned(offset, device.sizeBytes()) > 0 || length > device.sizeBytes() - offset) {
            throw new Refused(EINVAL, "range past the end of the export");
        }
    }

    private void read(long cookie, long offset, long length) throws IOException {
        byte[] data = buffer(Math.min(length, maxPayload));
        Failure failure = attempt(() -> {
            if (length > maxPayload) {
                throw new Refused(session.structuredReplies() ? EOVERFLOW : EINVAL, "READ of " + length + " bytes");
            }
            checkRange(offset, length);
            device.read(offset, ByteBuffer.wrap(data, 0, (int) length));
        });
        if (failure != null) {
            error(CMD_READ, cookie, failure);
            return;
        }
        if (!session.structuredReplies()) {
            out.writeInt(SIMPLE_REPLY_MAGIC);
            out.writeInt(0);
            out.writeLong(cookie);
            out.write(data, 0, (int) length);
        } else if (length == 0) {
            chunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_NONE, cookie, 0);
        } else {
            chunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, cookie, 8 + length);
            out.writeLong(offset);
            out.write(data, 0, (int) length);
        }
        out.flush();
    }

    private void blockStatus(long cookie, long offset, long length, boolean one) throws IOException {
        List<List<Extent>> found = new java.util.ArrayList<>(1);
        Failure failure = attempt(() -> {
            if (!session.baseAllocation()) {
                throw new Refused(EINVAL, "no metadata context was negotiated");
            }
            if (length == 0) {
                throw new Refused(EINVAL, "BLOCK_STATUS of 0 bytes");
            }
            checkRange(offset, length);
            found.add(device.allocation(offset, length));
        });
        if (failure != null) {
            error(CMD_BLOCK_STATUS, cookie, failure);
            return;
        }
        List<Extent> extents = found.getFirst();
        int count = Math.min(one ? 1 : MAX_EXTENTS, extents.size());
        if (count == 0) {
            extents = List.of(Extent.data(offset, length));
            count = 1;
        }
        chunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, cookie, 4 + 8L * count);
        out.writeInt(BASE_ALLOCATION_ID);
        for (int i = 0; i < count; i++) {
            Extent extent = extents.get(i);
            long start = Math.max(extent.offsetBytes(), offset);
            long end = Math.min(extent.endBytes(), offset + length);
            long bytes = Math.max(1, Math.min(end - start, MAX_EXTENT_BYTES));
            out.writeInt((int) bytes);
            out.writeInt((extent.hole() ? STATE_HOLE : 0) | (extent.zero() ? STATE_ZERO : 0));
        }
        out.flush();
    }

    private void ok(long cookie) throws IOException {
        out.writeInt(SIMPLE_REPLY_MAGIC);
        out.writeInt(0);
        out.writeLong(cookie);
        out.flush();
    }

    /** An error: a structured error chunk for READ and BLOCK_STATUS once negotiated, else a simple reply. */
    private void error(int type, long cookie, Failure failure) throws IOException {
        int errno = failure.errno();
        String message = failure.message();
        if (session.structuredReplies() && (type == CMD_READ || type == CMD_BLOCK_STATUS)) {
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            if (text.length > 1024) {
                text = java.util.Arrays.copyOf(text, 1024);
            }
            chunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_ERROR, cookie, 6 + text.length);
            out.writeInt(errno);
            out.writeShort(text.length);
            out.write(text);
        } else {
            out.writeInt(SIMPLE_REPLY_MAGIC);
            out.writeInt(errno);
            out.writeLong(cookie);
        }
        out.flush();
    }

    private void chunkHeader(int flags, int type, long cookie, long length) throws IOException {
        out.writeInt(STRUCTURED_REPLY_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeInt((int) length);
    }
}
