package io.jxen.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jxen console DOMAIN}: {@code xl console} for a host that {@code jxen run} keeps alive.
 * Output is the console's history (the last 64 KiB) and then what the guest writes; each line
 * typed goes to the guest's console input (the terminal edits and echoes it: line mode, not
 * raw). End of input (Ctrl-D) detaches and leaves the guest running; the command also ends when
 * the domain goes.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Attach to a guest's PV console on a running host (jxen run). Ctrl-D detaches.")
final class ConsoleCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "Domain name or id.")
    private String domain;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "The host's directory (default: $JXEN_HOST_DIR or <tmpdir>/jxen-<user>).")
    private Path dir;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    private final InputStream in;

    /** Reads the user's input from standard input. */
    ConsoleCommand() {
        this(System.in);
    }

    /** Reads input from {@code in} (tests). */
    ConsoleCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SocketChannel c = HostDirectory.request(dir != null ? dir : HostDirectory.defaultDir(), "console " + domain);
        Thread typing = Thread.ofPlatform().daemon().name("console-input").start(() -> forwardInput(c));
        try (c; Reader guest = new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8)) {
            char[] buf = new char[4096];
            int n;
            while ((n = guest.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // detached: our input ended and closed the connection
        } catch (IOException e) {
            if (c.isOpen()) {
                throw e;
            }
        } finally {
            typing.interrupt();
        }
        out.flush();
        return 0;
    }

    private void forwardInput(SocketChannel c) {
        byte[] buf = new byte[1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
            c.close(); // end of input: detach
        } catch (IOException e) {
            // the console went away; the output side ends the command
        }
    }
}
