/**
 * Domain configuration in the xl.cfg syntax (xl.cfg(5)): {@link io.jxen.host.config.XlConfigParser}
 * reads the file as libxlu does into untyped {@link io.jxen.host.config.XlConfig} settings;
 * {@link io.jxen.host.config.GuestConfig} types and checks them with xl's defaults;
 * {@link io.jxen.host.config.DiskSpec} reads {@code docs/misc/xl-disk-configuration.txt} disk
 * specs and {@link io.jxen.host.config.Vdev} encodes vdev names as
 * {@code docs/misc/vbd-interface.txt} says. Every problem is a
 * {@link io.jxen.host.config.ConfigException} naming the file and line.
 */
package io.jxen.host.config;
