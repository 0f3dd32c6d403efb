package io.tornadoresnet.train;

/**
 * What one epoch of training measured: one row of metrics.csv.
 *
 * @param skipped      batches whose loss was not finite and that were skipped ({@code skip_nonfinite})
 * @param skippedFiles training images of the epoch whose file could not be decoded and was left out
 *                     (streaming image data sets; counted from the start of the epoch in this process, the
 *                     files of all data-parallel workers together)
 */
public record EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                          double testLoss, double testError, double imagesPerSecond, double seconds, int skipped,
                          int skippedFiles) {

    static final String HEADER = "epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,"
            + "skipped,skipped_files";

    /** A row of an epoch without files left out. */
    public EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainError,
                       double testLoss, double testError, double imagesPerSecond, double seconds, int skipped) {
        this(epoch, step, learningRate, trainLoss, trainError, testLoss, testError, imagesPerSecond, seconds, skipped,
                0);
    }

    String csv() {
        return epoch + "," + step + "," + learningRate + "," + trainLoss + "," + trainError + "," + testLoss + ","
                + testError + "," + imagesPerSecond + "," + seconds + "," + skipped + "," + skippedFiles;
    }

    /** A row; rows of files written before the skipped (skipped_files) column read as none skipped. */
    static EpochRecord parse(String line) {
        String[] f = line.split(",");
        if (f.length < 9 || f.length > 11) {
            throw new IllegalArgumentException("not a metrics.csv row: " + line);
        }
        return new EpochRecord(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), Double.parseDouble(f[8]), f.length >= 10 ? Integer.parseInt(f[9]) : 0,
                f.length == 11 ? Integer.parseInt(f[10]) : 0);
    }
}
