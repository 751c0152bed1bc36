package io.jxen.host.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the xl.cfg syntax as libxlu does ({@code tools/libs/util/libxlu_cfg_l.l} and
 * {@code _y.y}, described in xl.cfg(5)):
 *
 * <pre>
 *  file    = { [ KEY ( "=" | "+=" ) value ] ( NEWLINE | ";" ) }   the last line may lack its end
 *  value   = atom | "[" nl* [ atom nl* { "," nl* atom nl* } [ "," nl* ] ] "]"
 *  atom    = 'single-quoted' | "double-quoted" | NUMBER
 *  KEY     = [a-z][_0-9a-z]*        NUMBER = [0-9][0-9a-fx]*
 *  comment = "#" to the end of the line (it ends the statement like a newline)
 * </pre>
 *
 * A list may span lines (xl's only line continuation); a trailing comma is allowed. Quoted
 * strings take the escapes {@code \\ \" \' \a \b \f \n \r \t \v}, {@code \xHH} and octal
 * {@code \ooo} (libxlu reads the octal digits in base 10, a bug jxen does not copy) and end
 * on their line. A later assignment replaces an earlier one; {@code +=} appends to a string
 * or a list. Python-looking text ({@code + - . ( ) :} outside strings) is refused with a hint,
 * as xl refuses it. The parser keeps no recursion, so hostile input costs linear time and
 * can only end in a {@link ConfigException}.
 */
public final class XlConfigParser {

    private enum Kind { IDENT, NUMBER, STRING, EQUALS, PLUS_EQUALS, SEMICOLON, COMMA, OPEN, CLOSE, NEWLINE, EOF }

    private record Token(Kind kind, String text, int line) {
    }

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;

    private XlConfigParser(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /**
     * Parses the text of a config file.
     *
     * @param source name for error messages (the file name)
     * @param text   the file's contents
     * @return the settings
     * @throws ConfigException at the first syntax error
     */
    public static XlConfig parse(String source, String text) throws ConfigException {
        return new XlConfigParser(source, text).file();
    }

    /**
     * Reads and parses a config file (UTF-8).
     *
     * @throws ConfigException if the file cannot be read, is not text, or has a syntax error
     */
    public static XlConfig parse(Path file) throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(name, 0, "cannot read the configuration file: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, 0, "not a text file (invalid UTF-8)");
        }
        return parse(name, text);
    }

    private XlConfig file() throws ConfigException {
        Map<String, XlConfig.Setting> settings = new LinkedHashMap<>();
        while (true) {
            Token t = next();
            switch (t.kind()) {
                case EOF -> {
                    return new XlConfig(source, settings);
                }
                case NEWLINE, SEMICOLON -> {
                }
                case IDENT -> {
                    Token op = next();
                    if (op.kind() != Kind.EQUALS && op.kind() != Kind.PLUS_EQUALS) {
                        throw error(op.line(), "expected '=' after '" + t.text() + "', found " + describe(op));
                    }
                    ConfigValue value = value();
                    Token end = next();
                    if (end.kind() != Kind.NEWLINE && end.kind() != Kind.SEMICOLON && end.kind() != Kind.EOF) {
                        throw error(end.line(), "expected the end of the line after the value of '" + t.text()
                                + "', found " + describe(end));
                    }
                    XlConfig.Setting previous = settings.remove(t.text());
                    if (op.kind() == Kind.PLUS_EQUALS && previous != null) {
                        value = append(t, previous.value(), value);
                    }
                    settings.put(t.text(), new XlConfig.Setting(t.text(), value, t.line()));
                    if (end.kind() == Kind.EOF) {
                        return new XlConfig(source, settings);
                    }
                }
                default -> throw error(t.line(), "expected a setting 'key = value', found " + describe(t));
            }
        }
    }

    private ConfigValue append(Token key, ConfigValue previous, ConfigValue added) throws ConfigException {
        if (previous instanceof ConfigValue.Atom a && added instanceof ConfigValue.Atom b) {
            return new ConfigValue.Atom(a.text() + b.text(), a.line(), a.quoted() || b.quoted());
        }
        if (previous instanceof ConfigValue.ListValue a && added instanceof ConfigValue.ListValue b) {
            List<ConfigValue.Atom> all = new ArrayList<>(a.items());
            all.addAll(b.items());
            return new ConfigValue.ListValue(all, a.line());
        }
        throw error(key.line(), "'" + key.text() + "': can't add [list] to \"string\" or vice versa");
    }

    private ConfigValue value() throws ConfigException {
        Token t = next();
        if (t.kind() == Kind.STRING || t.kind() == Kind.NUMBER) {
            return new ConfigValue.Atom(t.text(), t.line(), t.kind() == Kind.STRING);
        }
        if (t.kind() != Kind.OPEN) {
            throw error(t.line(), "expected a value (a quoted string, a number or a [ list ]), found " + describe(t));
        }
        List<ConfigValue.Atom> items = new ArrayList<>();
        boolean needComma = false;
        while (true) {
            Token u = next();
            switch (u.kind()) {
                case NEWLINE -> {
                }
                case CLOSE -> {
                    return new ConfigValue.ListValue(items, t.line());
                }
                case COMMA -> {
                    if (!needComma) {
                        throw error(u.line(), "unexpected ',' in a list (an empty item?)");
                    }
                    needComma = false;
                }
                case STRING, NUMBER -> {
                    if (needComma) {
                        throw error(u.line(), "expected ',' or ']' between list items, found " + describe(u));
                    }
                    items.add(new ConfigValue.Atom(u.text(), u.line(), u.kind() == Kind.STRING));
                    needComma = true;
                }
                case OPEN -> throw error(u.line(), "lists cannot contain lists");
                case EOF -> throw error(t.line(), "list opened here is never closed with ']'");
                default -> throw error(u.line(), "expected a list item or ']', found " + describe(u));
            }
        }
    }

    private Token next() throws ConfigException {
        return lex();
    }

    private Token lex() throws ConfigException {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
                continue;
            }
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
                continue;
            }
            int at = line;
            if (c == '\n') {
                pos++;
                line++;
                return new Token(Kind.NEWLINE, "\n", at);
            }
            if (c >= 'a' && c <= 'z') {
                int start = pos;
                while (pos < text.length() && isIdentChar(text.charAt(pos))) {
                    pos++;
                }
                if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)))) {
                    throw error(at, "bad key '" + XlConfig.printable(word(start)) + "': keys are lower-case letters,"
                            + " digits and '_', starting with a letter");
                }
                return new Token(Kind.IDENT, text.substring(start, pos), at);
            }
            if (c >= '0' && c <= '9') {
                int start = pos;
                while (pos < text.length() && isNumberChar(text.charAt(pos))) {
                    pos++;
                }
                if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
                    throw error(at, "bad number '" + XlConfig.printable(word(start))
                            + "': bare numbers are digits (0x for hex); quote other text");
                }
                return new Token(Kind.NUMBER, text.substring(start, pos), at);
            }
            if (c == '"' || c == '\'') {
                return new Token(Kind.STRING, quoted(c), at);
            }
            if (Character.isLetter(c) || c == '_') {
                throw error(at, "bad key '" + XlConfig.printable(word(pos)) + "': keys are lower-case letters,"
                        + " digits and '_', starting with a letter");
            }
            pos++;
            switch (c) {
                case '=' -> {
                    return new Token(Kind.EQUALS, "=", at);
                }
                case ';' -> {
                    return new Token(Kind.SEMICOLON, ";", at);
                }
                case ',' -> {
                    return new Token(Kind.COMMA, ",", at);
                }
                case '[' -> {
                    return new Token(Kind.OPEN, "[", at);
                }
                case ']' -> {
                    return new Token(Kind.CLOSE, "]", at);
                }
                case '+' -> {
                    if (pos < text.length() && text.charAt(pos) == '=') {
                        pos++;
                        return new Token(Kind.PLUS_EQUALS, "+=", at);
                    }
                    throw pythonError(at, c);
                }
                case '-', '.', '(', ')', ':' -> throw pythonError(at, c);
                default -> throw error(at, "unexpected character " + describeChar(c));
            }
        }
        return new Token(Kind.EOF, "", line);
    }

    private String word(int start) {
        int end = start;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '='
                && end - start < 80) {
            end++;
        }
        return text.substring(start, end);
    }

    private String quoted(char quote) throws ConfigException {
        int at = line;
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(at, "string not closed: a " + quote + "..." + quote + " string must end on its line");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(at, "string not closed: a backslash ends the line");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\'', '\\' -> b.append(e);
                case 'a' -> b.append('\007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'v' -> b.append('\013');
                case 'x' -> b.append((char) numericEscape(at, 16, 2, 2, "hex"));
                default -> {
                    if (e >= '0' && e <= '7') {
                        pos--;
                        b.append((char) numericEscape(at, 8, 1, 3, "octal"));
                    } else {
                        throw error(at, "invalid escape '\\" + XlConfig.printable(String.valueOf(e))
                                + "' in a quoted string (use \\\\ for a backslash)");
                    }
                }
            }
        }
    }

    private int numericEscape(int at, int radix, int minDigits, int maxDigits, String name) throws ConfigException {
        int value = 0;
        int digits = 0;
        while (digits < maxDigits && pos < text.length() && text.charAt(pos) < 0x80
                && Character.digit(text.charAt(pos), radix) >= 0) {
            value = value * radix + Character.digit(text.charAt(pos), radix);
            pos++;
            digits++;
        }
        if (digits < minDigits) {
            throw error(at, "invalid " + name + " escape in a quoted string: needs " + minDigits + " digit(s)");
        }
        return value & 0xff;
    }

    private static boolean isIdentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static boolean isNumberChar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
    }

    private ConfigException pythonError(int at, char c) {
        return error(at, "unexpected '" + c + "': the file looks like Python, which xl.cfg is not"
                + " (values are \"strings\", numbers and [ lists ]; see xl.cfg(5))");
    }

    private static String describeChar(char c) {
        if (c < 0x20 || c == 0x7f) {
            return String.format("\\x%02x", (int) c);
        }
        return "'" + c + "'" + (c > 0x7f ? String.format(" (U+%04X)", (int) c) : "");
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case NEWLINE -> "the end of the line";
            case EOF -> "the end of the file";
            case STRING -> "the string \"" + XlConfig.printable(t.text()) + "\"";
            default -> "'" + XlConfig.printable(t.text()) + "'";
        };
    }

    private ConfigException error(int at, String problem) {
        return new ConfigException(source, at, problem);
    }
}
