package io.jxen.drivers.block.back.engine;

import io.jxen.drivers.block.OutOfRangeException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine over a real block device node: a loop device over a temp image. Needs root and
 * {@code losetup} (util-linux); skipped where loop devices cannot be attached.
 */
class BlockDeviceEngineTest {

    @TempDir
    Path dir;

    @Test
    void loopDeviceSizeIoDiscardAndZeroes() throws Exception {
        Path image = dir.resolve("backing.img");
        FileEngine.create(image, 8L << 20, FileEngine.Options.sync()).close();
        String device = run("losetup", "-f", "--show", image.toString());
        Assumptions.assumeTrue(device != null && device.startsWith("/dev/loop"), "cannot attach a loop device here");
        try (FileEngine engine = FileEngine.open(Path.of(device), FileEngine.Options.async())) {
            assertThat(engine.isBlockDevice()).isTrue();
            assertThat(engine.sizeBytes()).isEqualTo(8L << 20);
            assertThat(engine.logicalSectorSizeBytes()).isEqualTo(512);
            byte[] data = new byte[4096];
            java.util.Arrays.fill(data, (byte) 0x5a);
            engine.write(4096, ByteBuffer.wrap(data), true);
            ByteBuffer back = ByteBuffer.allocate(4096);
            engine.read(4096, back);
            assertThat(back.array()).isEqualTo(data);
            engine.discard(4096, 4096);
            back.clear();
            engine.read(4096, back);
            assertThat(back.array()).containsOnly(0);
            engine.write(0, ByteBuffer.wrap(data), false);
            engine.writeZeroes(0, 4096, false, true);
            back.clear();
            engine.read(0, back);
            assertThat(back.array()).containsOnly(0);
            engine.flush();
            assertThat(engine.allocation(0, 8192)).hasSize(1);
            assertThatThrownBy(() -> engine.read(8L << 20, ByteBuffer.allocate(1))).isInstanceOf(OutOfRangeException.class);
        } finally {
            run("losetup", "-d", device);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return null;
        }
        return process.exitValue() == 0 ? out : null;
    }
}
