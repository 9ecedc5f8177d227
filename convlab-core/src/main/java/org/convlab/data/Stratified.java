package org.convlab.data;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Seeded, class-balanced choices of example indices, shared by every {@link ImageSource}. */
final class Stratified {
    private Stratified() {
    }

    /** Indices grouped by class, each group shuffled with {@code seed}. */
    private static List<List<Integer>> byClass(int[] labels, int classes, long seed) {
        List<List<Integer>> groups = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            groups.get(labels[i]).add(i);
        }
        Random random = new Random(seed);
        for (List<Integer> g : groups) {
            Collections.shuffle(g, random);
        }
        return groups;
    }

    /** Two index lists: the first keeps {@code 1 - fraction} of each class, the second the rest. */
    static int[][] split(int[] labels, int classes, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new ConvLabException("a split fraction must be between 0 and 1, received " + fraction);
        }
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (List<Integer> g : byClass(labels, classes, seed)) {
            int take = g.size() < 2 ? 0 : Math.max(1, (int) Math.round(g.size() * fraction));
            second.addAll(g.subList(0, take));
            first.addAll(g.subList(take, g.size()));
        }
        Collections.sort(first);
        Collections.sort(second);
        return new int[][] {toArray(first), toArray(second)};
    }

    /** At most {@code n} indices, each class contributing in proportion to its size (at least one each). */
    static int[] limit(int[] labels, int classes, int n, long seed) {
        if (n < 1) {
            throw new BadSettingException(Setting.LIMIT, "%s must be at least 1, received " + n);
        }
        if (n >= labels.length) {
            int[] all = new int[labels.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> g : byClass(labels, classes, seed)) {
            int take = Math.min(g.size(), Math.max(1, (int) Math.round((double) g.size() * n / labels.length)));
            chosen.addAll(g.subList(0, take));
        }
        Collections.sort(chosen);
        return toArray(chosen);
    }

    /** At most {@code n} indices of each class, chosen at random (seeded); a smaller class gives all it has. */
    static int[] perClass(int[] labels, int classes, int n, long seed) {
        if (n < 1) {
            throw new ConvLabException("per-class must be at least 1, received " + n);
        }
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> g : byClass(labels, classes, seed)) {
            chosen.addAll(g.subList(0, Math.min(n, g.size())));
        }
        Collections.sort(chosen);
        return toArray(chosen);
    }

    /** The indices whose class is among {@code keep}, and their labels as positions in {@code keep}. */
    static int[][] ofClasses(int[] labels, List<String> names, List<String> keep) {
        List<Integer> chosen = new ArrayList<>();
        List<Integer> relabelled = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int at = keep.indexOf(names.get(labels[i]));
            if (at >= 0) {
                chosen.add(i);
                relabelled.add(at);
            }
        }
        return new int[][] {toArray(chosen), toArray(relabelled)};
    }

    /** A seeded permutation of 0..n-1. */
    static int[] permutation(int n, long seed) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        return toArray(order);
    }

    static int[] counts(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
