package io.jxen.abi.console;

import io.jxen.abi.RawBytes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class XenconsInterfaceFlyweightTest {

    @Test
    void indicesAndMaskedBytesLandAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            XenconsInterfaceFlyweight console = new XenconsInterfaceFlyweight().wrap(page, 0);

            console.setOutByte(XenconsInterfaceDescriptor.OUT_SIZE + 5, (byte) 'x'); // wraps to 5
            console.setInByte(-1, (byte) 'y'); // a free-running index past 2^32 wraps to the end
            console.setOutProducerRelease(XenconsInterfaceDescriptor.OUT_SIZE + 6);
            console.setOutConsumerRelease(1);
            console.setInProducerRelease(-1);
            console.setInConsumerRelease(-2);

            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.OUT_OFFSET + 5, 1)).isEqualTo('x');
            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.IN_OFFSET + XenconsInterfaceDescriptor.IN_SIZE - 1, 1))
                    .isEqualTo('y');
            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.OUT_PROD_OFFSET, 4)).isEqualTo(2054);
            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.OUT_CONS_OFFSET, 4)).isEqualTo(1);
            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.IN_PROD_OFFSET, 4)).isEqualTo(0xFFFF_FFFFL);
            assertThat(RawBytes.read(page, XenconsInterfaceDescriptor.IN_CONS_OFFSET, 4)).isEqualTo(0xFFFF_FFFEL);
            assertThat(console.getOutByte(5)).isEqualTo((byte) 'x');
            assertThat(console.getInByte(XenconsInterfaceDescriptor.IN_SIZE - 1)).isEqualTo((byte) 'y');
            assertThat(console.getOutProducerAcquire()).isEqualTo(2054);
            assertThat(console.getOutConsumerAcquire()).isEqualTo(1);
            assertThat(console.getInProducerAcquire()).isEqualTo(-1);
            assertThat(console.getInConsumerAcquire()).isEqualTo(-2);
        }
    }
}
