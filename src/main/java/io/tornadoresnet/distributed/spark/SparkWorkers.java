package io.tornadoresnet.distributed.spark;

import io.tornadoresnet.distributed.RingCollective;
import io.tornadoresnet.distributed.WorkerTask;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDBarrier;
import org.apache.spark.resource.ResourceInformation;
import scala.Option;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Runs N data-parallel workers as one Spark barrier stage: one task per worker, all started together.
 * Each task learns its peers through {@link SparkRendezvous}, joins a {@link RingCollective} and runs
 * the {@link WorkerTask}; only addresses go through Spark, tensors go through the ring. When a task or
 * its executor dies, Spark fails the whole stage (the ring's timeouts bound how long the survivors
 * wait) and, up to {@code spark.stage.maxConsecutiveAttempts} times (4 by default), starts every task
 * again: a task that finds a checkpoint resumes from it.
 */
public final class SparkWorkers {

    private static final String GPU = "gpu";

    private SparkWorkers() {
    }

    /**
     * Runs {@code task} on {@code workers} tasks and returns what each reported, in rank order.
     *
     * @param timeout how long the ring waits for a silent peer before the task fails
     * @throws org.apache.spark.SparkException (unchecked from Java) when the stage fails for good
     */
    public static <R extends Serializable> List<R> run(SparkContext spark, int workers, WorkerTask<R> task,
                                                       String[] args, Duration timeout) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark);
        List<Integer> ranks = IntStream.range(0, workers).boxed().collect(Collectors.toList());
        RDDBarrier<Integer> stage = context.parallelize(ranks, workers).rdd().barrier();
        @SuppressWarnings("unchecked")
        ClassTag<Ranked<R>> ranked = (ClassTag<Ranked<R>>) (ClassTag<?>) ClassTag$.MODULE$.apply(Ranked.class);
        RDD<Ranked<R>> results = stage.mapPartitions(new BarrierTask<>(task, args.clone(), timeout), false, ranked);
        // The shuffle makes the barrier stage a map stage, which Spark retries as a whole when a task
        // fails; a failed barrier result stage is aborted instead.
        List<Ranked<R>> reports = new JavaRDD<>(results, ranked).repartition(1).collect();
        return reports.stream().sorted(Comparator.comparingInt(Ranked::rank)).map(Ranked::report)
                .collect(Collectors.toList());
    }

    /** One worker's report and its rank. */
    private record Ranked<R extends Serializable>(int rank, R report) implements Serializable {
    }

    /**
     * The addresses of the GPUs that Spark assigned to the calling task
     * ({@code spark.task.resource.gpu.amount}), for a {@link WorkerTask} to pick its devices from; empty
     * when none were requested.
     *
     * @throws IllegalStateException outside a task of a barrier stage
     */
    public static List<String> assignedGpus() {
        BarrierTaskContext context;
        try {
            context = BarrierTaskContext.get();
        } catch (ClassCastException e) {
            throw new IllegalStateException("assignedGpus() is for the tasks of a barrier stage");
        }
        if (context == null) {
            throw new IllegalStateException("assignedGpus() is for the tasks of a barrier stage");
        }
        Option<ResourceInformation> gpus = context.resources().get(GPU);
        return gpus.isEmpty() ? List.of() : List.of(gpus.get().addresses());
    }

    /** The body of every task of the stage. */
    private static final class BarrierTask<R extends Serializable>
            extends AbstractFunction1<Iterator<Integer>, Iterator<Ranked<R>>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final WorkerTask<R> task;
        private final String[] args;
        private final Duration timeout;

        BarrierTask(WorkerTask<R> task, String[] args, Duration timeout) {
            this.task = task;
            this.args = args;
            this.timeout = timeout;
        }

        @Override
        public Iterator<Ranked<R>> apply(Iterator<Integer> partition) {
            SparkRendezvous rendezvous = new SparkRendezvous(BarrierTaskContext.get());
            RingCollective ring;
            try {
                ring = RingCollective.open(rendezvous, timeout);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            R report;
            try {
                report = task.run(ring, args.clone());
            } catch (IOException e) {
                ring.abort(String.valueOf(e.getMessage()));
                throw new UncheckedIOException(e.getMessage(), e);
            } catch (RuntimeException e) {
                ring.abort(e.toString());
                throw e;
            } catch (Exception e) {
                ring.abort(e.toString());
                throw new IllegalStateException("worker " + rendezvous.rank() + ": " + e.getMessage(), e);
            } finally {
                ring.close();
            }
            Ranked<R> ranked = new Ranked<>(rendezvous.rank(), report);
            return CollectionConverters.asScala(Collections.singletonList(ranked).iterator());
        }
    }
}
