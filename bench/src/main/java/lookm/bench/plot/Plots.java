package lookm.bench.plot;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * PNG charts through XChart, headless. Rendering text needs fontconfig and a font: when the JVM cannot render
 * (no fonts, no java.desktop in a trimmed runtime), {@link PlotException} says what to install, and callers
 * skip the plots but keep the tables.
 */
public final class Plots {
    /** Chart size in pixels. */
    public static final int WIDTH = 900, HEIGHT = 560;
    /** What to install when rendering fails. */
    public static final String FONT_HINT = "install fonts and fontconfig (Debian/Ubuntu: apt-get install fonts-dejavu-core fontconfig),"
            + " and use a Java runtime with the java.desktop module";

    private Plots() {}

    /** Plotting is impossible on this machine; the message names what to install. */
    public static final class PlotException extends Exception {
        private static final long serialVersionUID = 1L;

        PlotException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * A line chart: one series per entry of {@code series}, each y over the shared {@code x}.
     *
     * @param series name → y values (NaN points are left out)
     */
    public static byte[] lines(String title, String xTitle, String yTitle, double[] x, Map<String, double[]> series) throws PlotException {
        return render(() -> {
            XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setMarkerSize(6);
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                double[][] xy = finite(x, e.getValue());
                if (xy[0].length > 0) chart.addSeries(e.getKey(), xy[0], xy[1]);
            }
            return chart;
        });
    }

    /** One series of a Pareto chart: points (x_i, y_i), each labelled (e.g. with its nominal budget). */
    public record Points(double[] x, double[] y, List<String> labels) {
        public Points {
            if (x.length != y.length || x.length != labels.size())
                throw new IllegalArgumentException("Points need as many x, y and labels, got " + x.length + ", " + y.length + ", " + labels.size());
        }
    }

    /**
     * A Pareto chart: each series has its own x (e.g. the effective KV bytes it kept), points joined in the given order
     * and labelled beside the marker (NaN points are left out).
     */
    public static byte[] pareto(String title, String xTitle, String yTitle, Map<String, Points> series) throws PlotException {
        return render(() -> {
            XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setMarkerSize(6);
            for (Map.Entry<String, Points> e : series.entrySet()) {
                Points p = e.getValue();
                double[][] xy = finite(p.x(), p.y());
                if (xy[0].length == 0) continue;
                chart.addSeries(e.getKey(), xy[0], xy[1]);
                for (int i = 0; i < p.x().length; i++)
                    if (Double.isFinite(p.y()[i]) && Double.isFinite(p.x()[i])) chart.addAnnotation(new AnnotationText(p.labels().get(i), p.x()[i], p.y()[i], false));
            }
            return chart;
        });
    }

    /** A grouped bar chart: categories on x, one bar series per entry of {@code series}. */
    public static byte[] bars(String title, String xTitle, String yTitle, List<String> categories, Map<String, List<Double>> series)
            throws PlotException {
        return render(() -> {
            CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            for (Map.Entry<String, List<Double>> e : series.entrySet()) chart.addSeries(e.getKey(), categories, e.getValue());
            return chart;
        });
    }

    private static double[][] finite(double[] x, double[] y) {
        int n = 0;
        for (int i = 0; i < x.length; i++) if (Double.isFinite(y[i]) && Double.isFinite(x[i])) n++;
        double[][] out = new double[2][n];
        for (int i = 0, k = 0; i < x.length; i++)
            if (Double.isFinite(y[i]) && Double.isFinite(x[i])) {
                out[0][k] = x[i];
                out[1][k++] = y[i];
            }
        return out;
    }

    private interface ChartMaker {
        Chart<?, ?> make();
    }

    private static byte[] render(ChartMaker maker) throws PlotException {
        System.setProperty("java.awt.headless", "true");
        try {
            return BitmapEncoder.getBitmapBytes(maker.make(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new PlotException("could not encode the PNG: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new PlotException("XChart rejected the chart data: " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError | InternalError e) {
            // AWT's font setup fails with errors like these when fontconfig or fonts are missing (or java.desktop is absent)
            throw new PlotException("the JVM could not render the chart (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); " + FONT_HINT, e);
        }
    }
}
