package io.tornadoresnet.train;

import java.util.Arrays;
import java.util.Locale;

/** The learning rate of each optimizer step (step 0 is the first). */
public interface LearningRateSchedule {

    double rate(long step);

    /**
     * The paper's schedule (section 4.2): a base rate divided by 10 at each milestone step, with an
     * optional warm-up at a lower rate for the first steps (the paper's ResNet-110 trains at 0.01
     * until the training error is below 80%, about 400 iterations, then goes back to 0.1).
     */
    static LearningRateSchedule step(double base, long[] milestones, double factor, long warmupSteps, double warmupRate) {
        long[] sorted = milestones.clone();
        Arrays.sort(sorted);
        return step -> {
            if (step < warmupSteps) {
                return warmupRate;
            }
            double rate = base;
            for (long m : sorted) {
                if (step >= m) {
                    rate *= factor;
                }
            }
            return rate;
        };
    }

    /** Cosine annealing from base to 0 over total steps, after a linear warm-up (SGDR without restarts). */
    static LearningRateSchedule cosine(double base, long total, long warmupSteps) {
        return step -> {
            if (step < warmupSteps) {
                return base * (step + 1) / warmupSteps;
            }
            double t = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, total - warmupSteps));
            return 0.5 * base * (1 + Math.cos(Math.PI * t));
        };
    }

    /**
     * PyTorch's OneCycleLR with its defaults: from max/25 up to max over the first 30% of the
     * steps, then down to max/25/1e4, both along a cosine.
     */
    static LearningRateSchedule oneCycle(double max, long total) {
        double initial = max / 25;
        double last = initial / 1e4;
        double peakStep = 0.3 * total - 1;
        double endStep = total - 1;
        return step -> {
            if (step <= peakStep) {
                return annealCos(initial, max, step / peakStep);
            }
            return annealCos(max, last, Math.min(1.0, (step - peakStep) / (endStep - peakStep)));
        };
    }

    private static double annealCos(double from, double to, double fraction) {
        return to + (from - to) / 2.0 * (Math.cos(Math.PI * fraction) + 1);
    }

    /**
     * Reads a schedule from a recipe: {@code step} (milestones in steps or, with an {@code e}
     * suffix, in epochs: "32000,48000" or "82e,123e"), {@code cosine}, {@code onecycle}.
     */
    static LearningRateSchedule parse(String kind, double base, String milestones, long stepsPerEpoch, long totalSteps,
                                      long warmupSteps, double warmupRate) {
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "step" -> step(base, parseMilestones(milestones, stepsPerEpoch), 0.1, warmupSteps, warmupRate);
            case "cosine" -> cosine(base, totalSteps, warmupSteps);
            case "onecycle" -> oneCycle(base, totalSteps);
            default -> throw new IllegalArgumentException("unknown schedule '" + kind + "': use step, cosine or onecycle");
        };
    }

    private static long[] parseMilestones(String text, long stepsPerEpoch) {
        if (text == null || text.isBlank()) {
            return new long[0];
        }
        String[] parts = text.split(",");
        long[] steps = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT);
            try {
                steps[i] = p.endsWith("e") ? Long.parseLong(p.substring(0, p.length() - 1)) * stepsPerEpoch
                        : Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("milestones are steps or epochs like 32000,48000 or 82e,123e: '"
                        + text + "'");
            }
        }
        return steps;
    }
}
