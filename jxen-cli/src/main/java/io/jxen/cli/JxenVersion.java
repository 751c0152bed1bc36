package io.jxen.cli;

import picocli.CommandLine;

/** {@code jxen --version}: jxen's version, the Xen interface it speaks, and the JVM. */
final class JxenVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = JxenCommand.class.getPackage().getImplementationVersion();
        return new String[] {
            "jxen " + (version == null ? "development build" : version),
            "Xen public interface 4.17 (__XEN_LATEST_INTERFACE_VERSION__ 0x00040e00)",
            "Java " + Runtime.version()
        };
    }
}
