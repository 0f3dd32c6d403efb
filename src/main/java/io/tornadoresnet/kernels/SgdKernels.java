package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Stochastic gradient descent with momentum, as PyTorch's
 * {@code torch.optim.SGD(params, lr, momentum, dampening=0, weight_decay, nesterov)}:
 * <pre>
 *   g = grad + weightDecay * param
 *   v = momentum * v + g                      (v starts at 0, so the first step sets v = g, as PyTorch)
 *   d = nesterov ? g + momentum * v : v
 *   param -= lr * d
 * </pre>
 * With momentum 0 this is plain SGD. The learning rate is a one-element buffer: TornadoVM freezes
 * scalar task arguments when a task is added, so a scheduled rate must travel as an array.
 */
public final class SgdKernels {

    private SgdKernels() {
    }

    /** param, grad, velocity [size], learningRate [1]: one update of param and velocity in place; nesterov != 0 turns Nesterov on. */
    public static void momentumStep(float[] param, float[] grad, float[] velocity, float[] learningRate,
                                    float momentum, float weightDecay, int nesterov, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float g = grad[i] + weightDecay * param[i];
            float v = momentum * velocity[i] + g;
            float d = nesterov != 0 ? g + momentum * v : v;
            velocity[i] = v;
            param[i] = param[i] - learningRate[0] * d;
        }
    }
}
