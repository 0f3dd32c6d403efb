package io.tornadoresnet.plan;

/**
 * A compiled plan whose tensors stay in their own float[]s (nothing on a device, so nothing to
 * pull or push): it runs its steps in order on the calling thread.
 */
public final class HostExecutable implements Backend.Executable {
    private final Plan plan;
    private final Runnable[] steps;

    public HostExecutable(Plan plan, Runnable[] steps) {
        this.plan = plan;
        this.steps = steps.clone();
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public void run() {
        for (Runnable step : steps) {
            step.run();
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
