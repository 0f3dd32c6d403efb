package io.tornadoresnet.train;

/**
 * What one epoch of training measured: one row of metrics.csv.
 *
 * @param skipped         batches whose loss was not finite and that were skipped ({@code skip_nonfinite})
 * @param skippedFiles    training images of the epoch whose file could not be decoded and was left out
 *                        (streaming image data sets; counted from the start of the epoch in this process, the
 *                        files of all data-parallel workers together)
 * @param dataWaitSeconds the part of {@code seconds} that the trainer spent waiting for the loader's next batch
 *                        (rank 0's loader among data-parallel workers): near 0 when the input keeps up
 */
public record EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                          double testLoss, double testError, double imagesPerSecond, double seconds, int skipped,
                          int skippedFiles, double dataWaitSeconds) {

    static final String HEADER = "epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,"
            + "skipped,skipped_files,data_wait_s";

    /** A row of an epoch without files left out or waits for data. */
    public EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                       double testLoss, double testError, double imagesPerSecond, double seconds, int skipped) {
        this(epoch, step, learningRate, trainLoss, trainError, testLoss, testError, imagesPerSecond, seconds, skipped,
                0, 0);
    }

    String csv() {
        return epoch + "," + step + "," + learningRate + "," + trainLoss + "," + trainError + "," + testLoss + ","
                + testError + "," + imagesPerSecond + "," + seconds + "," + skipped + "," + skippedFiles + ","
                + dataWaitSeconds;
    }

    /**
     * A row; rows of files written before the skipped, skipped_files or data_wait_s column read as none
     * skipped and no wait.
     */
    static EpochRecord parse(String line) {
        String[] f = line.split(",");
        if (f.length < 9 || f.length > 12) {
            throw new IllegalArgumentException("not a metrics.csv row: " + line);
        }
        return new EpochRecord(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), Double.parseDouble(f[8]), f.length >= 10 ? Integer.parseInt(f[9]) : 0,
                f.length >= 11 ? Integer.parseInt(f[10]) : 0, f.length == 12 ? Double.parseDouble(f[11]) : 0);
    }
}
