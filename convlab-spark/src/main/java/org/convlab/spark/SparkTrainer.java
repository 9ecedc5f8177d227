package org.convlab.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.data.ImageSource;
import org.convlab.io.FileTrees;
import org.convlab.io.OwnerLock;
import org.convlab.job.RunCard;
import org.convlab.job.RunFiles;
import org.convlab.job.TrainingJob;
import org.convlab.job.TrainingRequest;
import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.NativeSetup;
import org.convlab.train.BatchNormRecalibration;
import org.convlab.train.EpochFit;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.train.GraphFactory;
import org.convlab.runtime.Networks;
import org.convlab.job.FineTuning;
import org.convlab.train.Trainer;
import org.convlab.train.TrainingListener;
import org.convlab.train.TrainingOptions;
import org.convlab.train.TrainingResult;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The main job on Apache Spark with DL4J's training masters: the training data is written once as
 * batch files (DL4J's own {@code DataSet} format) under a data folder, each epoch the workers read
 * and fit them, and validation, test, card and files are done on the driver exactly as for
 * local training ({@link RunCard}, {@link RunFiles}), so the result is an ordinary registry model.
 * {@code local[N]} runs Spark inside this JVM; {@code spark://HOST:PORT} a standalone cluster.
 *
 * <pre>{@code
 * TrainingJob.Outcome out = SparkTrainer.run(request, registry,
 *         new SparkTrainer.Settings("local[2]", SparkTrainer.Mode.AVERAGING, 2, 4, null), ConsoleProgress.onStandardError());
 * }</pre>
 */
public final class SparkTrainer {
    /** How workers combine what they learned. */
    public enum Mode {
        /** DL4J's ParameterAveragingTrainingMaster: each worker fits some batches, then parameters are averaged. */
        AVERAGING,
        /** DL4J's SharedTrainingMaster: workers send each other threshold-encoded gradient updates as they train (Aeron). */
        SHARING;

        public static Mode parse(String text) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
            throw new BadSettingException(Setting.SPARK_MODE, "%s '" + BadSettingException.literal(text)
                    + "' is not known; use averaging or sharing");
        }
    }

    /**
     * @param workers            how many partitions the batches are spread over (at least the executor cores)
     * @param averagingFrequency batches each worker fits between two averagings
     * @param data               where the batch files go: a folder, or a Hadoop URI such as hdfs://... that
     *                           every executor reads (null: a folder of the registry, removed after the run)
     */
    public record Settings(String master, Mode mode, int workers, int averagingFrequency, String data) {
        public Settings {
            if (master == null || !(master.startsWith("local") || master.startsWith("spark://") || master.equals("yarn")
                    || master.startsWith("k8s://") || master.startsWith("mesos://"))) {
                throw new BadSettingException(Setting.SPARK, "%s master '" + BadSettingException.literal(master)
                        + "' is not a Spark master URL; use local[N], spark://HOST:PORT, yarn or k8s://...");
            }
            if (master.startsWith("local") && !LOCAL.matcher(master).matches()) {
                throw new BadSettingException(Setting.SPARK, "%s master '" + BadSettingException.literal(master)
                        + "' is not a local master; use local, local[N] with N from 1 to the cores, or local[*]");
            }
            if (master.startsWith("spark://") && !STANDALONE.matcher(master).matches()) {
                throw new BadSettingException(Setting.SPARK, "%s master '" + BadSettingException.literal(master)
                        + "' is not a standalone master URL; use spark://HOST:PORT (several: spark://HOST1:PORT1,HOST2:PORT2)");
            }
            if (workers < 1 || averagingFrequency < 1) {
                throw new ConvLabException("spark workers and averaging frequency must be at least 1");
            }
        }

        /** local[N] with N above this machine's cores runs as local[cores]: Spark would start N threads for nothing. */
        Settings capped(TrainingListener listener) {
            java.util.regex.Matcher m = LOCAL.matcher(master);
            int cores = Runtime.getRuntime().availableProcessors();
            if (m.matches() && m.group(1) != null && !m.group(1).equals("*") && Long.parseLong(m.group(1)) > cores) {
                String capped = "local[" + cores + (m.group(2) == null ? "" : "," + m.group(2)) + "]";
                listener.onMessage("warning: " + master + " asks for more threads than this machine's " + cores
                        + " cores; running " + capped);
                return new Settings(capped, mode, workers, averagingFrequency, data);
            }
            return this;
        }
    }

    /** local, local[N], local[*], and the same with the failures Spark allows per task: local[N,F]. */
    private static final java.util.regex.Pattern LOCAL = java.util.regex.Pattern.compile(
            "local(?:\\[(\\*|[1-9][0-9]{0,9})(?:,([1-9][0-9]{0,4}))?\\])?");
    private static final java.util.regex.Pattern STANDALONE = java.util.regex.Pattern.compile(
            "spark://[^,:/\\s]+:[0-9]{1,5}(?:,[^,:/\\s]+:[0-9]{1,5})*");

    /**
     * What an executor JVM needs: Spark's opens on Java 17 ({@link #javaOptions()}), JavaCPP's off-heap limit for ND4J
     * (and not its resident-size check on every allocation, see scripts/convlab).
     */
    private static final List<String> EXECUTOR_JVM_FLAGS = java.util.stream.Stream.concat(javaOptions().stream(),
            java.util.stream.Stream.of("-Dorg.bytedeco.javacpp.maxbytes=3g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0")).toList();
    private static final String AERON_UNBLOCK = "aeron.publication.unblock.timeout";
    private static final String AERON_UNBLOCK_NANOS = "60000000000";

    private SparkTrainer() {
    }

    /** The driver's choice of ND4J build, DL4J helpers and convolution algorithm, for executors that carry the same builds. */
    private static String nativeProperties() {
        StringBuilder out = new StringBuilder();
        for (String key : List.of(NativeSetup.EXTENSION_PROPERTY, NativeSetup.HELPERS_DISABLE_PROPERTY)) {
            String value = System.getProperty(key);
            if (value != null) {
                out.append(" -D").append(key).append('=').append(value.isEmpty() ? "''" : value);
            }
        }
        // The command line's --conv-algorithm is a default in this JVM only: the executors are told.
        out.append(" -D").append(org.convlab.runtime.ConvAlgorithm.PROPERTY).append('=')
                .append(org.convlab.runtime.ConvAlgorithm.requested().label());
        return out.toString();
    }

    /**
     * The JVM options Spark needs on Java 17 ({@code --add-opens} and Aeron's unblock timeout), from this module's
     * {@code java-options} resource, which the build fills from {@code spark.jvm.flags} in convlab-spark's pom; the
     * launcher reads the same file.
     */
    public static List<String> javaOptions() {
        try (var in = SparkTrainer.class.getResourceAsStream("java-options")) {
            if (in == null) {
                throw new IllegalStateException("org/convlab/spark/java-options is missing from the class path");
            }
            return List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim().split("\\s+"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static TrainingJob.Outcome run(TrainingRequest request, ModelRegistry registry, Settings asked, TrainingListener listener) {
        clusterManagerPresent(asked.master());
        Settings spark = asked.capped(listener);
        if (spark.mode() == Mode.SHARING && !spark.master().startsWith("local") && onLoopback(spark.master())) {
            // DL4J's Aeron mesh tells nodes apart by IP address: two executors on 127.0.0.1 ran, but trained
            // to below chance (fruits-cnn-bn, 2,000 images: test 0.0817).
            throw new BadSettingException(Setting.SPARK_MODE, "%s sharing needs each executor on a host of its own; on one "
                    + "machine use --spark local[N] for sharing, or --spark-mode averaging with this cluster");
        }
        if (spark.master().startsWith("spark://")) {
            reachable(spark.master()); // before any data is read
        } else if (spark.master().startsWith("k8s://")) {
            reachableApiServer(spark.master());
        } else if (spark.master().equals("yarn") && System.getenv("HADOOP_CONF_DIR") == null && System.getenv("YARN_CONF_DIR") == null) {
            throw new BadSettingException(Setting.SPARK, "%s yarn needs the cluster's configuration: set HADOOP_CONF_DIR or"
                    + " YARN_CONF_DIR to the folder holding yarn-site.xml");
        }
        registry.checkStorable(request.name());
        try (OwnerLock lock = registry.lockRun(request.name())) {
            try {
                Trainer.settleCheckpoints(request.options());
                return train(request, registry, spark, listener);
            } catch (RuntimeException e) {
                registry.discardEmptyRun(request.name()); // a Spark that did not start leaves no folder and no lock
                throw e;
            }
        }
    }

    private static TrainingJob.Outcome train(TrainingRequest request, ModelRegistry registry, Settings spark, TrainingListener listener) {
        TrainingOptions o = request.options();
        TrainingJob.Data data = TrainingJob.open(request, listener);
        ImageSource train = data.train();
        ArchitectureSpec spec = request.architecture().withInput(train.shape()).withClasses(train.labels().size());
        boolean ownDataDir = spark.data() == null;
        Path ownDir = registry.root().resolve(".spark-data").resolve(request.name());
        BatchFiles files = BatchFiles.at(ownDataDir ? ownDir.toString() : spark.data());
        NativeSetup.init();
        java.util.Set<Path> aeronBefore = aeronFolders();
        try (JavaSparkContext sc = context(spark, request.name())) {
            List<String> paths = export(train, o, 1, files);
            listener.onMessage(String.format("training %s on Spark %s (%s, %s, %d workers, averaging every %d batches) on %s:"
                            + " %d images in %d batch files, validating on %d", spec.name(), sc.version(), spark.master(),
                    spark.mode().name().toLowerCase(Locale.ROOT), spark.workers(), spark.averagingFrequency(), train.description(),
                    train.size(), paths.size(), data.validation().size()));
            String workerEngines = String.join(", ", sc.parallelize(IntStream.range(0, spark.workers()).boxed().toList(), spark.workers())
                    .map(i -> {
                        NativeSetup.init();
                        return ConvEngine.describeActive();
                    }).distinct().collect());
            listener.onMessage("convolutions on the workers: " + workerEngines);
            TrainingMaster<?, ?> master = master(sc, spark, o);
            JavaRDD<DataSet> batches = sc.parallelize(paths, spark.workers()).map(BatchFiles::read);
            FineTuning start = request.fineTuning() == null ? null : request.fineTuning().forLabels(train.labels());
            EpochFit epochs = new SparkEpochs(sc, master, batches, files, train, o, spark.mode() == Mode.SHARING, sideBySide(sc, spark));
            TrainingResult fitted = Trainer.train(spec, train, data.validation(), o, start != null ? start : GraphFactory.STANDARD,
                    listener, start != null ? start.keepingFrozen(epochs) : epochs);
            // A fine-tuned model is stored with plain layers, like TrainingJob's.
            TrainingResult result = start == null ? fitted : fitted.withGraph(Networks.thawed(fitted.graph()));
            ComputationGraph trained = result.graph();
            EvaluationReport testReport = data.test() == null ? null : Evaluator.evaluate(trained, data.test(), train.labels(), o.batch());
            EvaluationReport valReport = Evaluator.evaluate(trained, data.validation(), train.labels(), o.batch());
            if (testReport != null) {
                listener.onMessage(String.format(Locale.US, "test accuracy %.4f (top-5 %.4f) on %d images", testReport.accuracy(),
                        testReport.top5Accuracy(), testReport.examples()));
            }
            ModelCard card = RunCard.of(request.name(), spec, train, data.validation(), request.data().toString(),
                    request.validation() == null ? null : request.validation().toString(), o, result, valReport, testReport);
            Map<String, String> environment = new LinkedHashMap<>(card.environment());
            environment.put("spark_version", sc.version());
            environment.put("spark_master", spark.master());
            environment.put("spark_mode", spark.mode().name().toLowerCase(Locale.ROOT));
            environment.put("spark_workers", String.valueOf(spark.workers()));
            environment.put("spark_averaging_frequency", String.valueOf(spark.averagingFrequency()));
            environment.put("conv_engine_workers", workerEngines);
            card = card.withEnvironment(environment);
            if (start != null) {
                card = card.withLineage(start.lineage());
            }
            Path work = Files.createTempDirectory("convlab-run");
            try {
                Map<String, Path> runFiles = RunFiles.write(work, request.name(), result.history(),
                        testReport != null ? testReport : valReport, request.figures());
                RunFiles.addCalibration(runFiles, work, trained, train, o.seed());
                StoredModel stored = registry.save(request.name(), trained, card, runFiles);
                if (o.checkpointDir() != null) {
                    registry.discardCheckpoints(request.name());
                }
                listener.onMessage("stored " + stored.ref() + " in " + stored.dir());
                return new TrainingJob.Outcome(stored, result, testReport);
            } finally {
                FileTrees.delete(work);
            }
        } catch (IOException e) {
            throw new ConvLabException("cannot write the run's files: " + e.getMessage());
        } finally {
            if (ownDataDir) {
                FileTrees.delete(ownDir);
                FileTrees.deleteIfEmpty(ownDir.getParent());
            }
            if (spark.mode() == Mode.SHARING && spark.master().startsWith("local")) {
                // Gradient sharing's Aeron media driver ran in this JVM and leaves its folder in /dev/shm.
                aeronFolders().stream().filter(f -> !aeronBefore.contains(f)).forEach(FileTrees::delete);
            }
        }
    }

    /**
     * How many batches the workers fit side by side and combine into one step: the workers of
     * parameter averaging (each round, every worker's k batches become k steps of the average), or
     * the trainers of gradient sharing (one per executor; local mode has one executor).
     */
    private static int sideBySide(JavaSparkContext sc, Settings spark) {
        if (spark.mode() == Mode.AVERAGING) {
            return spark.workers();
        }
        return spark.master().startsWith("local") ? 1 : Math.max(1, sc.sc().statusTracker().getExecutorInfos().length - 1);
    }

    private static java.util.Set<Path> aeronFolders() {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return java.util.Set.of();
        }
        try (java.util.stream.Stream<Path> entries = Files.list(shm)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("aeron-")).collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            return java.util.Set.of();
        }
    }

    /**
     * Each epoch on Spark: the workers fit the batch files, and the driver's graph then holds the
     * averaged (or shared) result. A graph that is not the one Spark holds (the first, or one
     * restored from a checkpoint) is handed to Spark first. After each epoch the driver recomputes
     * batch norm's running statistics ({@link BatchNormRecalibration}): gradient sharing leaves
     * them behind, and so does averaging, each worker's moving average taking one step per batch
     * between two averagings (averaging every batch, 2 epochs on 6,000 images: inference at
     * 0.47 accuracy on training images the workers fit with loss 0.63).
     */
    private static final class SparkEpochs implements EpochFit {
        private final JavaSparkContext sc;
        private final TrainingMaster<?, ?> master;
        private final JavaRDD<DataSet> batches;
        private final BatchFiles files;
        private final ImageSource train;
        private final TrainingOptions options;
        private final boolean sharing;
        private final int sideBySide;
        private final int batchCount;
        private SparkComputationGraph net;
        private int exportedEpoch = 1;

        SparkEpochs(JavaSparkContext sc, TrainingMaster<?, ?> master, JavaRDD<DataSet> batches, BatchFiles files, ImageSource train,
                    TrainingOptions options, boolean sharing, int sideBySide) {
            this.sc = sc;
            this.master = master;
            this.batches = batches;
            this.files = files;
            this.train = train;
            this.options = options;
            this.sharing = sharing;
            this.sideBySide = sideBySide;
            this.batchCount = (int) Math.ceil(train.size() / (double) options.batch());
        }

        @Override
        public boolean recomputesBatchNorm() {
            return true;
        }

        @Override
        public int stepsPerEpoch(int batches) {
            return (batches + sideBySide - 1) / sideBySide;
        }

        @Override
        public Fitted fit(ComputationGraph graph, int epoch, TrainingListener listener) {
            if (net == null || net.getNetwork() != graph) {
                net = new SparkComputationGraph(sc, graph, master);
                net.setListeners(new ExecutorSetup());
            }
            if (options.augment() && epoch != exportedEpoch) {
                // Augmented images differ every epoch, as in local training: the files are written again
                // (DL4J reads them anew each epoch; it caches only within one).
                try {
                    export(train, options, epoch, files);
                } catch (IOException e) {
                    throw new ConvLabException("cannot write epoch " + epoch + "'s batch files: " + e.getMessage());
                }
                exportedEpoch = epoch;
            }
            net.fit(batches);
            // DL4J counts averaging frequency per round whatever the round held (its rounds are rounded
            // down), and sharing counts one trainer's steps: set the count the schedule expects.
            net.getNetwork().getConfiguration().setIterationCount(epoch * stepsPerEpoch(batchCount));
            double loss = sharing ? Double.NaN : net.getScore(); // SharedTrainingMaster keeps no score (always 0)
            BatchNormRecalibration.recalibrate(net.getNetwork(), train.iterator(options.batch(), true, options.seed() + epoch),
                    BatchNormRecalibration.DEFAULT_IMAGES);
            listener.onBatch(epoch, options.epochs(), train.size(), loss);
            return new Fitted(net.getNetwork(), loss, train.size());
        }
    }

    /**
     * yarn, k8s:// and mesos:// need Spark's module for that cluster manager, which a cluster's own Spark has and the
     * convlab command line does not carry: there the way is spark-submit with the convlab-spark jar.
     */
    private static void clusterManagerPresent(String master) {
        String manager = master.equals("yarn") ? "org.apache.spark.scheduler.cluster.YarnClusterManager"
                : master.startsWith("k8s://") ? "org.apache.spark.scheduler.cluster.k8s.KubernetesClusterManager"
                : master.startsWith("mesos://") ? "org.apache.spark.scheduler.cluster.mesos.MesosClusterManager" : null;
        if (manager == null) {
            return;
        }
        try {
            Class.forName(manager, false, SparkTrainer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new BadSettingException(Setting.SPARK, "%s " + BadSettingException.literal(master) + " needs Spark's support for"
                    + " that cluster manager, which this class path lacks; run convlab's spark-submit jar with the cluster's own"
                    + " spark-submit (docs/spark.md), or use local[N] or spark://HOST:PORT");
        }
    }

    /** A Kubernetes API server that does not answer is said at once. */
    private static void reachableApiServer(String master) {
        java.net.URI uri;
        try {
            uri = java.net.URI.create(master.substring("k8s://".length()));
        } catch (IllegalArgumentException e) {
            throw new BadSettingException(Setting.SPARK, "%s master '" + BadSettingException.literal(master)
                    + "' is not k8s://https://HOST:PORT");
        }
        String host = uri.getHost() != null ? uri.getHost() : master.substring("k8s://".length()).split(":")[0];
        int port = uri.getPort() > 0 ? uri.getPort() : 443;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), 3_000);
        } catch (IOException e) {
            throw new BadSettingException(Setting.SPARK, "cannot reach the Kubernetes API server at " + BadSettingException.literal(master)
                    + " (" + e.getMessage() + "); check the %s URL and that the cluster is up");
        }
    }

    /** Whether a cluster master runs on this machine's loopback address (scripts/spark-cluster's). */
    private static boolean onLoopback(String master) {
        return master.contains("127.0.0.1") || master.contains("localhost");
    }

    /** A standalone master that does not answer is said at once, not after Spark's minute of retries. */
    private static void reachable(String master) {
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            String[] hp = hostPort.split(":");
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(hp[0], hp.length > 1 ? Integer.parseInt(hp[1]) : 7077), 5000);
                return;
            } catch (IOException | RuntimeException e) {
                if (!master.contains(",")) {
                    throw new BadSettingException(Setting.SPARK, "cannot reach the Spark master at " + BadSettingException.literal(master)
                            + " (" + BadSettingException.literal(e.getMessage()) + "); start it or fix the %s URL");
                }
            }
        }
        throw new BadSettingException(Setting.SPARK, "none of the Spark masters in " + BadSettingException.literal(master)
                + " answers; start one or fix the %s URL");
    }

    private static JavaSparkContext context(Settings spark, String name) {
        SparkConf conf = new SparkConf().setMaster(spark.master()).setAppName("convlab train " + name)
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .set("spark.ui.showConsoleProgress", "false");
        if (spark.master().startsWith("local")) {
            conf.set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        } else {
            // Executors are JVMs of their own: they need Spark's opens on Java 17, room off the heap for ND4J,
            // and ConvLab's classes (from this build; spark-submit ships its jar itself).
            String given = conf.get("spark.executor.extraJavaOptions", "");
            conf.set("spark.executor.extraJavaOptions", (String.join(" ", EXECUTOR_JVM_FLAGS) + nativeProperties() + " " + given)
                    .trim()); // the user's win
            conf.setIfMissing("spark.executor.memory", "2g");
            String classes = SparkTrainer.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            conf.setIfMissing("spark.executor.extraClassPath", classes);
            if (onLoopback(spark.master())) {
                conf.set("spark.driver.host", "127.0.0.1");
            }
        }
        try {
            return new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new BadSettingException(Setting.SPARK, "cannot start Spark on " + BadSettingException.literal(spark.master()) + " ("
                    + BadSettingException.literal(e.getMessage()) + "); check the %s master URL and that it is running");
        }
    }

    private static TrainingMaster<?, ?> master(JavaSparkContext sc, Settings spark, TrainingOptions o) {
        TrainingMaster<?, ?> master;
        if (spark.mode() == Mode.SHARING) {
            // Aeron refuses to start with its default unblock timeout below its client liveness timeout; the JVM-wide
            // setting is the host's (the launcher and this module's tests pass javaOptions()).
            if (System.getProperty(AERON_UNBLOCK) == null) {
                throw new ConvLabException("gradient sharing needs the JVM option -D" + AERON_UNBLOCK + "=" + AERON_UNBLOCK_NANOS
                        + " (SparkTrainer.javaOptions() lists what Spark needs; the convlab launcher passes them), or use"
                        + " --spark-mode averaging");
            }
            // The driver coordinates the workers' Aeron mesh; on a cluster they reach it at Spark's driver host.
            VoidConfiguration transport = spark.master().startsWith("local")
                    ? VoidConfiguration.builder().unicastPort(freePort()).networkMask("127.0.0.0/8").controllerAddress("127.0.0.1").build()
                    : VoidConfiguration.builder().unicastPort(40123).controllerAddress(sc.getConf().get("spark.driver.host")).build();
            // The batches keep the partitions they were made with (one per worker): DL4J's default repartitioner
            // splits them finer, and every partition starts a fresh trainer (a network copy, workspaces, a
            // System.gc()): 20 img/s and test 0.7053 against 35 img/s and 0.7243 kept whole (fruits-cnn-bn, 4000 images).
            // One trainer per executor, on all its cores: DL4J builds the others from JSON where no hook or
            // listener reaches them, so they would run libnd4j's own convolutions.
            master = new SharedTrainingMaster.Builder(transport, o.batch()).batchSizePerWorker(o.batch()).workersPerNode(1)
                    .rngSeed(o.seed()).rddTrainingApproach(RDDTrainingApproach.Direct).repartitioner(new NoOpRepartitioner()).build();
        } else {
            // Spark's own repartitioning: DL4J's balanced one divides by zero when a round has fewer batches
            // than workers (every round at --averaging-frequency 1 risks it, and the last round at any).
            // The batch per worker is the run's batch: DL4J's default (16) re-batches the files into halves.
            master = new ParameterAveragingTrainingMaster.Builder(spark.workers(), o.batch()).batchSizePerWorker(o.batch())
                    .averagingFrequency(spark.averagingFrequency()).workerPrefetchNumBatches(2).rngSeed(o.seed())
                    .repartitionStrategy(RepartitionStrategy.SparkDefault)
                    // Each worker reads its batch files itself; DL4J M2's path-based fitting of a graph has a null dereference.
                    .rddTrainingApproach(RDDTrainingApproach.Direct).build();
        }
        master.addHook(new ExecutorSetup());
        return master;
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            return 40123;
        }
    }

    /**
     * Epoch {@code epoch}'s training data, shuffled (and with {@code --augment}, augmented) with the
     * seeds local training uses for that epoch, as batch files of exactly {@code o.batch()} images;
     * returns their URIs. A short last batch is topped up with the first images: DL4J's workers re-batch
     * what they read, and a short batch among full ones reached a worker as an empty array
     * ("Got rank 0 array as input", 360 images in batches of 64 on local[2]).
     */
    private static List<String> export(ImageSource train, TrainingOptions o, int epoch, BatchFiles files) throws IOException {
        files.clear();
        List<String> paths = new ArrayList<>();
        ImageSource source = o.augment() ? train.augmented(Trainer.augmentSeed(o, epoch)) : train;
        DataSetIterator it = source.iterator(o.batch(), true, Trainer.shuffleSeed(o, epoch));
        DataSet first = null;
        for (int i = 0; it.hasNext(); i++) {
            DataSet ds = it.next();
            if (first == null) {
                first = ds;
            } else if (ds.numExamples() < o.batch()) {
                ds = DataSet.merge(List.of(ds, (DataSet) first.getRange(0, Math.min(first.numExamples(), o.batch() - ds.numExamples()))));
            }
            paths.add(files.write(i, ds));
        }
        return paths;
    }
}
