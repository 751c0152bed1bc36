package io.jxen.host.toolstack;

import io.jxen.host.config.GuestConfig;

import java.util.List;

/**
 * What the toolstack built for a domain and must undo when it goes: the config, the ring
 * pages and ports it put in start_info, and the xenstore paths it created.
 *
 * @param domid        the domain id
 * @param config       the configuration it was built from (its current name)
 * @param storeGfn     guest frame of the xenstore ring ({@code start_info.store_mfn})
 * @param storePort    the guest's xenstore port, unbound for dom0 ({@code store_evtchn})
 * @param consoleGfn   guest frame of the console ring ({@code console.domU.mfn})
 * @param consolePort  the guest's console port, unbound for dom0
 * @param devices      the frontend/backend pairs written in xenstore
 */
public record DomainRecord(int domid, GuestConfig config, long storeGfn, int storePort, long consoleGfn,
                           int consolePort, List<Device> devices) {

    /** Copies the device list. */
    public DomainRecord {
        devices = List.copyOf(devices);
    }

    /** {@code /local/domain/N}. */
    public String domainPath() {
        return XenstorePaths.domain(domid);
    }

    /** {@code /vm/UUID}. */
    public String vmPath() {
        return XenstorePaths.vm(config.uuid());
    }

    /** The same record under a new config (a rename). */
    DomainRecord withConfig(GuestConfig newConfig) {
        return new DomainRecord(domid, newConfig, storeGfn, storePort, consoleGfn, consolePort, devices);
    }

    /** The same record with {@code newDevices} (a vbd moved to a driver domain's new id). */
    DomainRecord withDevices(List<Device> newDevices) {
        return new DomainRecord(domid, config, storeGfn, storePort, consoleGfn, consolePort, newDevices);
    }

    /**
     * One split device.
     *
     * @param kind         frontend kind ({@code vbd}, {@code console})
     * @param devid        device id ({@code virtual-device} for a vbd)
     * @param frontend     frontend directory
     * @param backend      backend directory
     * @param backendDomid the domain serving it: 0, or a driver domain (xl.cfg's {@code backend=})
     */
    public record Device(String kind, int devid, String frontend, String backend, int backendDomid) {
    }
}
