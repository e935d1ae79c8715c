"""Hello world, the first cell of every TF1 course: a constant, a session, a run."""

import json

import teachflow as tf

hello = tf.constant("Hello, TensorFlow!")
with tf.Session() as sess:
    greeting = sess.run(hello)
print(greeting)

results = {"greeting": greeting.decode(), "dtype": hello.dtype.name, "name": hello.name}
print("results:", json.dumps(results))
