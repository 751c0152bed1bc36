package io.jxen.cli;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/** The small guest the CLI's end-to-end tests run: an xl.cfg named "tiny" with a 1 MiB raw disk. */
final class TinyGuest {

    private TinyGuest() {
    }

    /** Writes {@code tiny.cfg} and its disk {@code tiny.img} into {@code dir}; returns the config's path. */
    static Path write(Path dir) throws IOException {
        Path cfg = dir.resolve("tiny.cfg");
        Files.writeString(cfg, """
                name = "tiny"
                memory = 16
                vcpus = 2
                disk = [ 'format=raw, vdev=xvda, access=rw, target=tiny.img' ]
                on_poweroff = "destroy"
                """);
        try (var image = new RandomAccessFile(dir.resolve("tiny.img").toFile(), "rw")) {
            image.setLength(1 << 20);
        }
        return cfg;
    }
}
