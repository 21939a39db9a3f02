package lookm.accelerated.cl;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An explicit device choice: {@code "gpu"} (the first GPU), {@code "cpu"} (the first CPU device, e.g. PoCL), or
 * {@code "platform:device"} indices as {@link Devices#list()} prints them (e.g. {@code "0:0"}). There is no
 * silent fallback: a choice that matches nothing throws and lists the devices found.
 */
public record DeviceSelector(String choice) {
    private static final Pattern INDICES = Pattern.compile("(\\d+):(\\d+)");

    public DeviceSelector {
        if (choice == null || !(choice.equals("gpu") || choice.equals("cpu") || INDICES.matcher(choice).matches()))
            throw new IllegalArgumentException("device choice must be 'gpu', 'cpu' or 'platform:device' (e.g. '0:0'), was '" + choice + "'");
    }

    public static DeviceSelector gpu() { return new DeviceSelector("gpu"); }

    public static DeviceSelector cpu() { return new DeviceSelector("cpu"); }

    public static DeviceSelector of(String choice) { return new DeviceSelector(choice.trim().toLowerCase(java.util.Locale.ROOT)); }

    /** The chosen device among the listed ones. @throws OpenClUnavailableException if it is not there */
    public DeviceInfo pick() { return pick(Devices.list()); }

    /** The chosen device among {@code devices}. @throws OpenClUnavailableException if it is not there */
    public DeviceInfo pick(List<DeviceInfo> devices) {
        Matcher m = INDICES.matcher(choice);
        for (DeviceInfo d : devices) {
            boolean hit = switch (choice) {
                case "gpu" -> d.isGpu();
                case "cpu" -> d.isCpu();
                default -> m.matches() && d.platformIndex() == Integer.parseInt(m.group(1)) && d.deviceIndex() == Integer.parseInt(m.group(2));
            };
            if (hit) return d;
        }
        StringBuilder found = new StringBuilder();
        for (DeviceInfo d : devices) found.append("\n  ").append(d.describe());
        throw new OpenClUnavailableException("no OpenCL device matches '" + choice + "'; devices found:"
                + (devices.isEmpty() ? " none" : found.toString()));
    }

    @Override public String toString() { return choice; }
}
