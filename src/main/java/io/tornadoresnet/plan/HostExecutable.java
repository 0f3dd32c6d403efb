package io.tornadoresnet.plan;

/**
 * A compiled plan whose tensors stay in their own float[]s (nothing on a device, so nothing to
 * pull or push): it runs its steps in order on the calling thread. The steps of the update stages
 * come last, so that a step can also run in two halves.
 */
public final class HostExecutable implements Backend.Executable {
    private final Plan plan;
    private final Runnable[] gradientSteps;
    private final Runnable[] updateSteps;

    /** A plan that does not exchange its gradients: {@code steps} is the whole step. */
    public HostExecutable(Plan plan, Runnable[] steps) {
        this(plan, steps, new Runnable[0]);
        if (plan.exchangesGradients()) {
            throw new IllegalArgumentException("a plan that exchanges its gradients needs its update steps apart");
        }
    }

    /**
     * @param gradientSteps what runs the plan up to its update stages (all of an inference plan)
     * @param updateSteps   what runs the update stages
     */
    public HostExecutable(Plan plan, Runnable[] gradientSteps, Runnable[] updateSteps) {
        this.plan = plan;
        this.gradientSteps = gradientSteps.clone();
        this.updateSteps = updateSteps.clone();
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public void run() {
        for (Runnable step : gradientSteps) {
            step.run();
        }
        for (Runnable step : updateSteps) {
            step.run();
        }
    }

    @Override
    public void computeGradients() {
        requireExchange();
        for (Runnable step : gradientSteps) {
            step.run();
        }
    }

    @Override
    public void applyGradients() {
        requireExchange();
        for (Runnable step : updateSteps) {
            step.run();
        }
    }

    private void requireExchange() {
        if (!plan.exchangesGradients()) {
            throw new IllegalStateException("the plan was not compiled to exchange its gradients: "
                    + "compile plan.exchangingGradients()");
        }
    }

    @Override
    public void pullModelState() {
    }

    @Override
    public void pushModelState() {
    }

    @Override
    public void close() {
    }
}
