package io.tornadoresnet.train;

/**
 * What one epoch of training measured: one row of metrics.csv.
 *
 * @param skipped batches whose loss was not finite and that were skipped ({@code skip_nonfinite})
 */
public record EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                          double testLoss, double testError, double imagesPerSecond, double seconds, int skipped) {

    static final String HEADER = "epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,"
            + "skipped";

    String csv() {
        return epoch + "," + step + "," + learningRate + "," + trainLoss + "," + trainError + "," + testLoss + ","
                + testError + "," + imagesPerSecond + "," + seconds + "," + skipped;
    }

    /** A row; rows of files written before the skipped column read as none skipped. */
    static EpochRecord parse(String line) {
        String[] f = line.split(",");
        if (f.length != 9 && f.length != 10) {
            throw new IllegalArgumentException("not a metrics.csv row: " + line);
        }
        return new EpochRecord(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), Double.parseDouble(f[8]), f.length == 10 ? Integer.parseInt(f[9]) : 0);
    }
}
