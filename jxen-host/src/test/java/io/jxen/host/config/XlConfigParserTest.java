package io.jxen.host.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XlConfigParserTest {

    private static XlConfig parse(String text) throws ConfigException {
        return XlConfigParser.parse("t.cfg", text);
    }

    private static List<String> items(XlConfig c, String key) throws ConfigException {
        return c.getList(key).items().stream().map(ConfigValue.Atom::text).toList();
    }

    @Test
    void stringsNumbersListsCommentsAndSemicolons() throws ConfigException {
        XlConfig c = parse("""
                # a guest
                name = "web"   # trailing comment
                memory = 512; vcpus = 0x2
                kernel = '/boot/vmlinuz'
                disk = [ 'format=raw, vdev=xvda, access=rw, target=disk.img',
                         "/srv/b.img,,xvdb,ro", ]
                empty = []
                """);
        assertThat(c.getString("name")).isEqualTo("web");
        assertThat(c.getLong("memory", 1, 1 << 20, 0)).isEqualTo(512);
        assertThat(c.getLong("vcpus", 1, 128, 0)).isEqualTo(2);
        assertThat(c.getString("kernel")).isEqualTo("/boot/vmlinuz");
        assertThat(items(c, "disk")).containsExactly("format=raw, vdev=xvda, access=rw, target=disk.img",
                "/srv/b.img,,xvdb,ro");
        assertThat(items(c, "empty")).isEmpty();
        assertThat(c.setting("disk").line()).isEqualTo(5);
        assertThat(c.getList("disk").items().get(1).line()).isEqualTo(6);
    }

    @Test
    void numbersAreTextAsInXlSoQuotedNumbersWorkAndStrtolRulesApply() throws ConfigException {
        XlConfig c = parse("a = \"512\"\nb = 010\nc = 0\nd = \"12x\"\n");
        assertThat(c.getLong("a", 0, 1000, -1)).isEqualTo(512);
        assertThat(c.getLong("b", 0, 1000, -1)).as("leading 0 is octal").isEqualTo(8);
        assertThat(c.getLong("c", 0, 1000, -1)).isZero();
        assertThat(c.getLong("absent", 0, 1000, -1)).isEqualTo(-1);
        assertThatThrownBy(() -> c.getLong("d", 0, 1000, -1)).isInstanceOf(ConfigException.class)
                .hasMessage("t.cfg:4: 'd' is not a valid number: '12x'");
        assertThatThrownBy(() -> c.getLong("a", 0, 100, -1)).hasMessage("t.cfg:1: 'a' is 512; expected 0..100");
    }

    @Test
    void booleansAreNumbersNonZeroMeaningTrue() throws ConfigException {
        XlConfig c = parse("a = 1\nb = 0\nc = 7\n");
        assertThat(c.getBoolean("a", false)).isTrue();
        assertThat(c.getBoolean("b", true)).isFalse();
        assertThat(c.getBoolean("c", false)).isTrue();
        assertThat(c.getBoolean("x", true)).isTrue();
    }

    @Test
    void lastAssignmentWinsAndPlusEqualsAppends() throws ConfigException {
        XlConfig c = parse("name = 'a'\nname = 'b'\nextra = 'x'\nextra += ' y'\nl = ['1']\nl += ['2', '3']\n");
        assertThat(c.getString("name")).isEqualTo("b");
        assertThat(c.getString("extra")).isEqualTo("x y");
        assertThat(items(c, "l")).containsExactly("1", "2", "3");
        assertThatThrownBy(() -> parse("a = 'x'\na += ['y']\n"))
                .hasMessage("t.cfg:2: 'a': can't add [list] to \"string\" or vice versa");
    }

    @Test
    void listsMaySpanLinesWithCommentsInside() throws ConfigException {
        XlConfig c = parse("disk = [\n  'a', # first\n\n  'b'\n  ,\n]\nname='n'");
        assertThat(items(c, "disk")).containsExactly("a", "b");
        assertThat(c.getString("name")).isEqualTo("n");
    }

    @Test
    void escapesInQuotedStrings() throws ConfigException {
        XlConfig c = parse("a = \"x\\ty\\n\\\"q\\\" \\x41 \\101 \\\\\"\nb = 'it\\'s'\n");
        assertThat(c.getString("a")).isEqualTo("x\ty\n\"q\" A A \\");
        assertThat(c.getString("b")).isEqualTo("it's");
    }

    @Test
    void typeMismatchesAreReported() throws ConfigException {
        XlConfig c = parse("disk = 'a'\nname = ['x']\n");
        assertThatThrownBy(() -> c.getList("disk"))
                .hasMessage("t.cfg:1: 'disk' is a single value but should be a list [ ... ]");
        assertThatThrownBy(() -> c.getString("name")).hasMessage("t.cfg:2: 'name' is a list but should be a single value");
    }

    @Test
    void syntaxErrorsNameTheLineAndTheProblem() {
        assertThatThrownBy(() -> parse("name = 'a'\nmemory 512\n"))
                .hasMessage("t.cfg:2: expected '=' after 'memory', found '512'");
        assertThatThrownBy(() -> parse("a = 'unterminated\n"))
                .hasMessageContaining("t.cfg:1: string not closed");
        assertThatThrownBy(() -> parse("\n\ndisk = [ 'a',\n 'b'\n"))
                .hasMessage("t.cfg:3: list opened here is never closed with ']'");
        assertThatThrownBy(() -> parse("memory = 512 + 4\n")).hasMessageContaining("t.cfg:1: unexpected '+': the file looks like Python");
        assertThatThrownBy(() -> parse("Name = 'x'\n")).hasMessageContaining("t.cfg:1: bad key 'Name'");
        assertThatThrownBy(() -> parse("a = [ ['x'] ]\n")).hasMessage("t.cfg:1: lists cannot contain lists");
        assertThatThrownBy(() -> parse("a = [ 'x' 'y' ]\n"))
                .hasMessage("t.cfg:1: expected ',' or ']' between list items, found the string \"y\"");
        assertThatThrownBy(() -> parse("a = [ , ]\n")).hasMessageContaining("unexpected ','");
        assertThatThrownBy(() -> parse("a = 'x' 'y'\n"))
                .hasMessage("t.cfg:1: expected the end of the line after the value of 'a', found the string \"y\"");
        assertThatThrownBy(() -> parse("a = \"\\q\"\n")).hasMessageContaining("invalid escape '\\q'");
        assertThatThrownBy(() -> parse("a = 12.5\n")).hasMessageContaining("bad number '12.5'");
        assertThatThrownBy(() -> parse("a =\n")).hasMessage("t.cfg:1: expected a value (a quoted string, a number or a [ list ]), found the end of the line");
    }

    @Test
    void lastLineMayLackItsNewlineAndCrLfIsAccepted() throws ConfigException {
        assertThat(parse("name = 'x'").getString("name")).isEqualTo("x");
        assertThat(parse("name = 'x'\r\nmemory = 4\r\n").getLong("memory", 0, 9, 0)).isEqualTo(4);
        assertThat(parse("").keys()).isEmpty();
    }
}
