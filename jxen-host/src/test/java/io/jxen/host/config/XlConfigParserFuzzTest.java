package io.jxen.host.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the xl.cfg parser and the typing of its settings ({@link GuestConfig#parse}) with
 * arbitrary file contents, decoded as the parser decodes a file (strict UTF-8; invalid UTF-8
 * is refused before parsing, so such inputs are fed as ISO-8859-1 text instead).
 *
 * <p>Property: only {@link ConfigException} escapes, naming the source and a line within the
 * text (or 0) and a non-blank problem; a config that is accepted satisfies every documented
 * bound (a non-empty name without control characters, 1 &lt;= memory &lt;= maxmem &lt;= 1 TiB,
 * 1 &lt;= vcpus &lt;= maxvcpus &lt;= 128, a command line of at most 1023 bytes without NUL);
 * parsing is deterministic.
 *
 * <p>Seed corpus: {@code src/test/resources/io/jxen/host/config/XlConfigParserFuzzTestInputs/parse/}.
 */
class XlConfigParserFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] data) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            text = new String(data, StandardCharsets.ISO_8859_1);
        }
        long lines = text.chars().filter(c -> c == '\n').count() + 1;
        XlConfig raw;
        try {
            raw = XlConfigParser.parse("fuzz.cfg", text);
        } catch (ConfigException e) {
            clean(e, lines);
            return;
        }
        try {
            assertThat(XlConfigParser.parse("fuzz.cfg", text).keys()).isEqualTo(raw.keys());
        } catch (ConfigException e) {
            throw new AssertionError("parsed once, failed the second time", e);
        }
        GuestConfig g;
        try {
            g = GuestConfig.from(raw, Path.of("/var/lib/jxen"));
        } catch (ConfigException e) {
            clean(e, lines);
            return;
        }
        assertThat(g.name()).isNotEmpty().doesNotContainPattern("[\\x00-\\x1f\\x7f]");
        assertThat(g.memoryMib()).isBetween(1L, g.maxMemMib());
        assertThat(g.maxMemMib()).isLessThanOrEqualTo(GuestConfig.MAX_MEMORY_MIB);
        assertThat(g.vcpus()).isBetween(1, g.maxVcpus());
        assertThat(g.maxVcpus()).isLessThanOrEqualTo(GuestConfig.MAX_VCPUS);
        assertThat(g.cmdline().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(GuestConfig.MAX_CMDLINE_BYTES);
        assertThat(g.cmdline()).doesNotContain("\0");
        assertThat(g.disks()).doesNotContainNull();
        assertThat(g.uuid()).isNotNull();
        assertThat(g.type()).isNotNull();
    }

    private static void clean(ConfigException e, long lines) {
        assertThat(e.source()).isEqualTo("fuzz.cfg");
        assertThat(e.getMessage()).startsWith("fuzz.cfg");
        assertThat(e.problem()).isNotBlank();
        assertThat((long) e.line()).isBetween(0L, lines);
    }
}
