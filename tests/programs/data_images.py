"""Images through a tf.data pipeline: PNG files the program writes with tf.image.encode_png,
read back with tf.read_file + tf.image.decode_png in a map, resized, flipped at random (a
seeded op), standardized; a tf.py_func in another map computes a label with NumPy."""

import json
import os
import shutil
import tempfile

import numpy as np

import teachflow as tf

rng = np.random.RandomState(4)
images = rng.randint(0, 256, size=(6, 5, 7, 3)).astype(np.uint8)

workdir = tempfile.mkdtemp()
paths = [os.path.join(workdir, f"img{i}.png") for i in range(len(images))]
pixels = tf.placeholder(tf.uint8, [None, None, 3])
encoded = tf.image.encode_png(pixels)
with tf.Session() as sess:
    png_files = []
    for path, image in zip(paths, images):
        data = sess.run(encoded, {pixels: image})
        png_files.append(data.hex())
        with open(path, "wb") as f:
            f.write(data)


def load(path):
    image = tf.image.decode_png(tf.read_file(path), channels=3)
    image = tf.image.resize_images(image, [8, 8])
    image = tf.image.random_flip_left_right(image, seed=3)
    return tf.image.per_image_standardization(image), path


def brightness_label(image, path):
    def numpy_label(pixels):
        return np.int64(pixels.mean() > 0.0) + 2 * np.int64(pixels[0, 0, 0] > 0.0)

    label = tf.py_func(numpy_label, [image], tf.int64)
    label.set_shape([])
    return image, label


dataset = tf.data.Dataset.from_tensor_slices(paths).map(load, num_parallel_calls=2)
dataset = dataset.map(brightness_label).batch(3)
batch_images, batch_labels = dataset.make_one_shot_iterator().get_next()
decoded = tf.image.decode_png(tf.read_file(paths[0]))

results = {"png_files": png_files, "batches": []}
with tf.Session() as sess:
    results["decoded_equal"] = bool((sess.run(decoded) == images[0]).all())
    while True:
        try:
            x, y = sess.run([batch_images, batch_labels])
        except tf.errors.OutOfRangeError:
            break
        results["batches"].append(
            {"labels": y.tolist(), "corner": x[:, 0, :2, 0].tolist(), "center": x[:, 4, 4].tolist()}
        )
print("labels:", [b["labels"] for b in results["batches"]])

shutil.rmtree(workdir)
print("results:", json.dumps(results))
