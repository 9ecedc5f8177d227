/**
 * One runnable main per section of the tutorial, for people who experiment from an IDE instead of
 * a notebook. Each prints or draws what its section explains; pictures go to
 * {@code target/tutorial/} unless a path is given as the first argument.
 *
 * <ul>
 *   <li>{@link org.convlab.tutorial.ConvolutionSteps} "How does convolution work": the 7 steps on a 5x5 matrix</li>
 *   <li>{@link org.convlab.tutorial.ZeroPadding} "Zero padding in convolutions": 'same' versus 'valid', stride 1 and 2</li>
 *   <li>{@link org.convlab.tutorial.KernelGallery} "Let's play with filters": the author's kernels on an image</li>
 *   <li>{@link org.convlab.tutorial.NonLinearity} "Non-linearity": sigmoid, tanh and ReLU plotted</li>
 *   <li>{@link org.convlab.tutorial.PoolingDemo} "Down sampling by pooling layer": max, average and sum pooling</li>
 *   <li>{@link org.convlab.tutorial.FlattenAndDense} "Flatten layers" and "Dense layers": shapes and parameter counts</li>
 * </ul>
 */
package org.convlab.tutorial;
