"""Basic operations: constants, placeholders fed at run time, a matrix product."""

import json

import teachflow as tf

a = tf.constant(2)
b = tf.constant(3)
with tf.Session() as sess:
    print("a=2, b=3")
    print(f"Addition with constants: {sess.run(a + b):d}")
    print(f"Multiplication with constants: {sess.run(a * b):d}")
    constants = [int(sess.run(a + b)), int(sess.run(a * b))]

x = tf.placeholder(tf.int16)
y = tf.placeholder(tf.int16)
add = tf.add(x, y)
mul = tf.multiply(x, y)
with tf.Session() as sess:
    fed = [int(sess.run(add, feed_dict={x: 2, y: 3})), int(sess.run(mul, feed_dict={x: 2, y: 3}))]
    print(f"Addition with variables: {fed[0]:d}")
    print(f"Multiplication with variables: {fed[1]:d}")

matrix1 = tf.constant([[3.0, 3.0]])
matrix2 = tf.constant([[2.0], [2.0]])
product = tf.matmul(matrix1, matrix2)
with tf.Session() as sess:
    result = sess.run(product)
    print(result)

results = {
    "constants": constants,
    "fed": fed,
    "product": result.tolist(),
    "names": [add.name, mul.name, product.name],
    "dtypes": [add.dtype.name, product.dtype.name],
}
print("results:", json.dumps(results))
