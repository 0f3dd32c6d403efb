package io.tornadoresnet.train;

/** What one epoch of training measured: one row of metrics.csv. */
public record EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                          double testLoss, double testError, double imagesPerSecond, double seconds) {

    static final String HEADER = "epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds";

    String csv() {
        return epoch + "," + step + "," + learningRate + "," + trainLoss + "," + trainError + "," + testLoss + ","
                + testError + "," + imagesPerSecond + "," + seconds;
    }

    static EpochRecord parse(String line) {
        String[] f = line.split(",");
        if (f.length != 9) {
            throw new IllegalArgumentException("not a metrics.csv row: " + line);
        }
        return new EpochRecord(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), Double.parseDouble(f[8]));
    }
}
