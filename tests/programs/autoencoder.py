"""An autoencoder: a two-layer sigmoid encoder squeezes 16-pixel "images" to 4 numbers and a
mirrored decoder rebuilds them; weights from tf.random_normal, RMSProp on the squared error."""

import json

import numpy as np

import teachflow as tf

# Synthetic 4x4 images: one of four bars (two rows, two columns) plus a little noise.
rng = np.random.RandomState(3)
bars = np.zeros((4, 4, 4), np.float32)
bars[0, 1, :] = bars[1, 2, :] = bars[2, :, 1] = bars[3, :, 2] = 1.0
images = bars[rng.randint(4, size=64)].reshape(64, 16)
images = np.clip(images + 0.1 * rng.rand(64, 16), 0, 1).astype(np.float32)

learning_rate = 0.01
num_steps = 40
batch_size = 16
num_hidden_1 = 8
num_hidden_2 = 4
num_input = 16

tf.set_random_seed(2)
X = tf.placeholder("float", [None, num_input])
weights = {
    "encoder_h1": tf.Variable(tf.random_normal([num_input, num_hidden_1])),
    "encoder_h2": tf.Variable(tf.random_normal([num_hidden_1, num_hidden_2])),
    "decoder_h1": tf.Variable(tf.random_normal([num_hidden_2, num_hidden_1])),
    "decoder_h2": tf.Variable(tf.random_normal([num_hidden_1, num_input])),
}
biases = {
    "encoder_b1": tf.Variable(tf.random_normal([num_hidden_1])),
    "encoder_b2": tf.Variable(tf.random_normal([num_hidden_2])),
    "decoder_b1": tf.Variable(tf.random_normal([num_hidden_1])),
    "decoder_b2": tf.Variable(tf.random_normal([num_input])),
}


def encoder(x):
    layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights["encoder_h1"]), biases["encoder_b1"]))
    layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights["encoder_h2"]), biases["encoder_b2"]))
    return layer_2


def decoder(x):
    layer_1 = tf.nn.sigmoid(tf.add(tf.matmul(x, weights["decoder_h1"]), biases["decoder_b1"]))
    layer_2 = tf.nn.sigmoid(tf.add(tf.matmul(layer_1, weights["decoder_h2"]), biases["decoder_b2"]))
    return layer_2


encoder_op = encoder(X)
decoder_op = decoder(encoder_op)
y_pred = decoder_op
y_true = X
loss = tf.reduce_mean(tf.pow(y_true - y_pred, 2))
optimizer = tf.train.RMSPropOptimizer(learning_rate).minimize(loss)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(1, num_steps + 1):
        start = (i * batch_size) % len(images)
        batch_x = images[start : start + batch_size]
        _, batch_loss = sess.run([optimizer, loss], feed_dict={X: batch_x})
        losses.append(float(batch_loss))
        if i % 20 == 0:
            print(f"Step {i}: Minibatch Loss: {batch_loss:f}")
    codes, rebuilt = sess.run([encoder_op, decoder_op], feed_dict={X: images[:4]})
    w = sess.run(weights["decoder_h2"])

results = {
    "losses": losses[::4],
    "codes": codes.tolist(),
    "rebuilt": rebuilt[:, :8].tolist(),
    "decoder_h2": w[:2].tolist(),
}
print("results:", json.dumps(results))
