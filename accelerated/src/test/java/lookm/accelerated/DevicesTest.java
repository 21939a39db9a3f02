package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.DeviceSelector;
import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.KernelBuildException;
import lookm.accelerated.cl.KernelSource;
import lookm.accelerated.cl.OpenClUnavailableException;
import org.junit.jupiter.api.Test;

class DevicesTest {
    private static DeviceInfo fake(int platform, int device, String type) {
        return new DeviceInfo(platform, device, "platform " + platform, "device " + device, type, 1, 1L << 30, 1L << 16, 256, "OpenCL 3.0", null, null);
    }

    @Test
    void listsDevicesWithNameTypeComputeUnitsAndMemory() {
        OpenClTestSupport.backend();
        List<DeviceInfo> devices = Devices.list();
        assertFalse(devices.isEmpty());
        for (DeviceInfo d : devices) {
            assertFalse(d.name().isBlank(), d::describe);
            assertTrue(List.of("GPU", "CPU", "ACCELERATOR", "OTHER").contains(d.type()), d::describe);
            assertTrue(d.computeUnits() > 0 && d.globalMemory() > 0 && d.maxWorkGroupSize() > 0, d::describe);
            assertEquals(d, DeviceSelector.of(d.selector()).pick(devices));
        }
        assertTrue(Devices.describeAll().contains(devices.get(0).name()));
    }

    @Test
    void selectorPicksTheFirstDeviceOfTheAskedKindOrIndices() {
        List<DeviceInfo> devices = List.of(fake(0, 0, "CPU"), fake(1, 0, "GPU"), fake(1, 1, "GPU"));
        assertEquals(devices.get(0), DeviceSelector.cpu().pick(devices));
        assertEquals(devices.get(1), DeviceSelector.gpu().pick(devices));
        assertEquals(devices.get(2), DeviceSelector.of("1:1").pick(devices));
    }

    @Test
    void selectorRejectsAMalformedChoice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSelector.of("fastest"));
        assertTrue(e.getMessage().contains("'gpu', 'cpu' or 'platform:device'"), e.getMessage());
    }

    @Test
    void aMissingDeviceSaysWhatWasFoundAndWhatToInstall() {
        OpenClUnavailableException none = assertThrows(OpenClUnavailableException.class, () -> DeviceSelector.gpu().pick(List.of()));
        assertTrue(none.getMessage().contains("devices found: none"), none.getMessage());
        assertTrue(none.getMessage().contains("pocl-opencl-icd") && none.getMessage().contains("ocl-icd-libopencl1"), none.getMessage());
        OpenClUnavailableException other = assertThrows(OpenClUnavailableException.class,
                () -> DeviceSelector.gpu().pick(List.of(fake(0, 0, "CPU"))));
        assertTrue(other.getMessage().contains("device 0"), "lists the devices it found: " + other.getMessage());
    }

    @Test
    void aMissingKernelFileIsReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelSource.load("no_such_kernel"));
        assertTrue(e.getMessage().contains("lookm/accelerated/kernels/no_such_kernel.cl"), e.getMessage());
    }

    @Test
    void aFailedKernelBuildCarriesTheBuildLog() {
        OpenClBackend backend = OpenClTestSupport.backend();
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> backend.context().program("broken_for_test", ""));
        assertTrue(e.getMessage().contains("broken_for_test.cl") && e.getMessage().contains("undeclared_identifier_for_test"), e.getMessage());
    }
}
