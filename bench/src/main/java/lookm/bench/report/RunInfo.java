package lookm.bench.report;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What ran, recorded in every report (JSON and CSV comments): command, policy and parameters, backend and
 * device, trace, budget, seed, lookm version, JVM and time. Fields that do not apply are null.
 *
 * @param command          the lookm subcommand, e.g. "replay"
 * @param policy           registry name, or a comma list for a sweep
 * @param policyParameters {@code PolicySpec.parameters()} (or one line per policy for a sweep)
 * @param backend          backend name, e.g. "reference"
 * @param device           backend's device description
 * @param tracePath        trace directory as given
 * @param traceId          trace identifier (directory name)
 * @param model            model name from the trace metadata
 * @param budget           the budget as text, e.g. "ratios(heavy=0.1, recent=0.1)"
 * @param seed             the seed that matters for this run (policy or synthetic data), or null
 * @param provenance       what it takes to rerun it: command line, commit, effective options, input checksums; or null
 */
public record RunInfo(String command, String policy, String policyParameters, String backend, String device, String tracePath,
                      String traceId, String model, String budget, Long seed, Provenance provenance) {
    /** A builder-ish start: only the command. */
    public static RunInfo of(String command) { return new RunInfo(command, null, null, null, null, null, null, null, null, null, null); }

    public RunInfo withPolicy(String name, String parameters) {
        return new RunInfo(command, name, parameters, backend, device, tracePath, traceId, model, budget, seed, provenance);
    }

    public RunInfo withBackend(String name, String deviceDescription) {
        return new RunInfo(command, policy, policyParameters, name, deviceDescription, tracePath, traceId, model, budget, seed, provenance);
    }

    public RunInfo withTrace(String path, String id, String modelName) {
        return new RunInfo(command, policy, policyParameters, backend, device, path, id, modelName, budget, seed, provenance);
    }

    public RunInfo withBudget(String text) {
        return new RunInfo(command, policy, policyParameters, backend, device, tracePath, traceId, model, text, seed, provenance);
    }

    public RunInfo withSeed(Long value) {
        return new RunInfo(command, policy, policyParameters, backend, device, tracePath, traceId, model, budget, value, provenance);
    }

    public RunInfo withProvenance(Provenance value) {
        return new RunInfo(command, policy, policyParameters, backend, device, tracePath, traceId, model, budget, seed, value);
    }

    /** The fields as an ordered map, with version, JVM and timestamp added. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("policy", policy);
        m.put("policyParameters", policyParameters);
        m.put("backend", backend);
        m.put("device", device);
        m.put("trace", tracePath);
        m.put("traceId", traceId);
        m.put("model", model);
        m.put("budget", budget);
        m.put("seed", seed);
        if (provenance != null) m.putAll(provenance.toMap());
        m.put("lookmVersion", Version.get());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return m;
    }

    /** The same fields as CSV comment lines. */
    public Csv annotate(Csv csv) {
        for (Map.Entry<String, Object> e : toMap().entrySet())
            if (e.getValue() != null) csv.comment(e.getKey() + ": " + e.getValue());
        return csv;
    }
}
