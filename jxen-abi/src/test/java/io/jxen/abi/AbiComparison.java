package io.jxen.abi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Compares the Java side of every check with what the C probe printed. */
final class AbiComparison {

    private AbiComparison() {
    }

    /**
     * Every check whose C value differs from its Java value, or which the probe did not print.
     *
     * @param checks  the checks of one data model
     * @param cValues the probe's output for that data model
     * @return one line per problem: field, C expression, Java value, C value; empty when all agree
     */
    static List<String> mismatches(List<AbiCheck> checks, Map<String, Long> cValues) {
        List<String> problems = new ArrayList<>();
        for (AbiCheck check : checks) {
            Long cValue = cValues.get(check.key());
            if (cValue == null) {
                problems.add(check.field() + " [" + check.abi() + "]: `" + check.expression()
                        + "` was not printed by the C probe");
            } else if (!check.matches(cValue)) {
                problems.add(check.field() + " [" + check.abi() + "]: `" + check.expression() + "` Java="
                        + check.javaValue() + " C=" + cValue);
            }
        }
        return problems;
    }
}
