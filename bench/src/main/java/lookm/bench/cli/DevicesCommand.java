package lookm.bench.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm devices}: the OpenCL platforms and devices, with the selector to pass as {@code --device}. Without
 * an OpenCL runtime it exits 2 with a message naming what to install.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List OpenCL platforms and devices (for --device).")
final class DevicesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<DeviceInfo> devices = Devices.list();
        if (devices.isEmpty()) throw new IllegalArgumentException("OpenCL platforms were found but no device; install a driver (e.g. pocl-opencl-icd)");
        for (DeviceInfo d : devices) out.println(d.describe());
        out.println("select one with --backend opencl --device gpu|cpu|<platform:device>");
        return LookmCli.EXIT_OK;
    }
}
