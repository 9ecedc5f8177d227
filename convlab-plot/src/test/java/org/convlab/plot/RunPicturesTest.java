package org.convlab.plot;

import org.convlab.job.TrainingJob;
import org.convlab.train.TinyModels;
import org.convlab.zoo.ModelCard;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class RunPicturesTest {
    @Test
    void aTrainingRunStoresItsCurvesAndConfusionMatrixAsPictures(@TempDir Path registry) throws IOException {
        TrainingJob.Outcome out = TinyModels.train(registry, 2, new ByteArrayOutputStream(), RunPictures.INSTANCE);
        ModelCard card = out.model().card();
        for (String name : new String[] {"curves.png", "confusion.png"}) {
            assertTrue(card.files().contains(name), name + " missing from " + card.files());
            BufferedImage picture = ImageIO.read(out.model().dir().resolve(name).toFile());
            assertNotNull(picture, name + " is not a PNG");
            assertTrue(picture.getWidth() >= 300 && picture.getHeight() >= 300, name + " " + picture.getWidth() + "x"
                    + picture.getHeight());
        }
        assertTrue(card.files().contains("metrics.csv"));
    }
}
