package org.convlab.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * The folder of batch files a Spark run trains from, on any file system Hadoop reaches: a local
 * folder ({@code /data/batches} or {@code file:///data/batches}, which on a cluster must be the same
 * shared mount on every node), or {@code hdfs://namenode:8020/user/me/batches}, {@code s3a://...}
 * where the cluster's Hadoop has the connector. The driver writes, executors read by URI.
 *
 * <pre>{@code
 * BatchFiles files = BatchFiles.at("hdfs://namenode:8020/tmp/fashion");
 * files.clear();                              // removed and created again, checked writable
 * String uri = files.write(0, dataSet);       // hdfs://namenode:8020/tmp/fashion/batch-000000.bin
 * DataSet back = BatchFiles.read(uri);        // on an executor
 * }</pre>
 */
final class BatchFiles {
    private final URI root;

    private BatchFiles(URI root) {
        this.root = root;
    }

    /** A location as the user gave it: a URI with a scheme, or a local path. */
    static BatchFiles at(String location) {
        URI uri;
        try {
            uri = location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")
                    ? URI.create(location) : java.nio.file.Path.of(location).toAbsolutePath().toUri();
        } catch (IllegalArgumentException e) {
            throw new BadSettingException(Setting.SPARK_DATA, "%s '" + BadSettingException.literal(location)
                    + "' is neither a folder nor a URI (" + BadSettingException.literal(e.getMessage()) + ")");
        }
        return new BatchFiles(uri);
    }

    URI root() {
        return root;
    }

    /** Empties the folder (creating it) and checks that a file can be written there. */
    void clear() {
        try {
            FileSystem fs = fileSystem(root);
            Path dir = new Path(root);
            fs.delete(dir, true);
            fs.mkdirs(dir);
            Path probe = new Path(dir, ".probe");
            fs.create(probe, true).close();
            fs.delete(probe, false);
        } catch (IOException | RuntimeException e) {
            throw new BadSettingException(Setting.SPARK_DATA, "cannot write the batch files in " + BadSettingException.literal(root)
                    + " (" + BadSettingException.literal(String.valueOf(e.getMessage())) + "); give a writable %s folder");
        }
    }

    /** Writes batch {@code index}; returns its URI. */
    String write(int index, DataSet batch) throws IOException {
        Path file = new Path(new Path(root), String.format("batch-%06d.bin", index));
        try (FSDataOutputStream out = fileSystem(root).create(file, true)) {
            batch.save(out);
        }
        return file.toUri().toString();
    }

    /** Reads one batch file, wherever it lives (runs on the executors). */
    static DataSet read(String uri) {
        DataSet ds = new DataSet();
        try (InputStream in = fileSystem(URI.create(uri)).open(new Path(URI.create(uri)))) {
            ds.load(in);
        } catch (IOException e) {
            throw new ConvLabException("cannot read the batch file " + uri + ": " + e.getMessage());
        }
        return ds;
    }

    private static FileSystem fileSystem(URI uri) throws IOException {
        FileSystem fs = FileSystem.get(uri, new Configuration());
        fs.setWriteChecksum(false); // no .crc file beside each batch on local disks
        return fs;
    }
}
