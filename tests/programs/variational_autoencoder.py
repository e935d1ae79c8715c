"""A variational autoencoder: the encoder gives a mean and a log-variance, a latent code is
drawn as ``mean + exp(log_var / 2) * tf.random_normal`` (the reparameterisation trick), and
the loss is the reconstruction's cross-entropy plus the KL term; Glorot-style random weights,
Adam."""

import json

import numpy as np

import teachflow as tf

# Synthetic 5x5 images: a bright square at one of four corners, pixel values in (0, 1).
rng = np.random.RandomState(11)
images = np.full((64, 5, 5), 0.05, np.float32)
for n, corner in enumerate(rng.randint(4, size=64)):
    r, c = divmod(int(corner), 2)
    images[n, 3 * r : 3 * r + 2, 3 * c : 3 * c + 2] = 0.95
images = (images + 0.04 * rng.rand(64, 5, 5)).reshape(64, 25).astype(np.float32)

learning_rate = 0.005
num_steps = 40
batch_size = 16
image_dim = 25
hidden_dim = 12
latent_dim = 2

tf.set_random_seed(4)


def glorot_init(shape):
    return tf.random_normal(shape=shape, stddev=1.0 / tf.sqrt(shape[0] / 2.0))


weights = {
    "encoder_h1": tf.Variable(glorot_init([image_dim, hidden_dim])),
    "z_mean": tf.Variable(glorot_init([hidden_dim, latent_dim])),
    "z_std": tf.Variable(glorot_init([hidden_dim, latent_dim])),
    "decoder_h1": tf.Variable(glorot_init([latent_dim, hidden_dim])),
    "decoder_out": tf.Variable(glorot_init([hidden_dim, image_dim])),
}
biases = {
    "encoder_b1": tf.Variable(glorot_init([hidden_dim])),
    "z_mean": tf.Variable(glorot_init([latent_dim])),
    "z_std": tf.Variable(glorot_init([latent_dim])),
    "decoder_b1": tf.Variable(glorot_init([hidden_dim])),
    "decoder_out": tf.Variable(glorot_init([image_dim])),
}

input_image = tf.placeholder(tf.float32, shape=[None, image_dim])
encoder = tf.matmul(input_image, weights["encoder_h1"]) + biases["encoder_b1"]
encoder = tf.nn.tanh(encoder)
z_mean = tf.matmul(encoder, weights["z_mean"]) + biases["z_mean"]
z_std = tf.matmul(encoder, weights["z_std"]) + biases["z_std"]

eps = tf.random_normal(tf.shape(z_std), dtype=tf.float32, mean=0.0, stddev=1.0, name="epsilon")
z = z_mean + tf.exp(z_std / 2) * eps

decoder = tf.matmul(z, weights["decoder_h1"]) + biases["decoder_b1"]
decoder = tf.nn.tanh(decoder)
decoder = tf.matmul(decoder, weights["decoder_out"]) + biases["decoder_out"]
decoder = tf.nn.sigmoid(decoder)


def vae_loss(x_reconstructed, x_true):
    encode_decode_loss = x_true * tf.log(1e-10 + x_reconstructed) + (1 - x_true) * tf.log(
        1e-10 + 1 - x_reconstructed
    )
    encode_decode_loss = -tf.reduce_sum(encode_decode_loss, 1)
    kl_div_loss = 1 + z_std - tf.square(z_mean) - tf.exp(z_std)
    kl_div_loss = -0.5 * tf.reduce_sum(kl_div_loss, 1)
    return tf.reduce_mean(encode_decode_loss + kl_div_loss)


loss_op = vae_loss(decoder, input_image)
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
train_op = optimizer.minimize(loss_op)

# The generator half on its own: decode a grid of latent codes.
noise_input = tf.placeholder(tf.float32, shape=[None, latent_dim])
decoder = tf.matmul(noise_input, weights["decoder_h1"]) + biases["decoder_b1"]
decoder = tf.nn.tanh(decoder)
decoder = tf.matmul(decoder, weights["decoder_out"]) + biases["decoder_out"]
decoder = tf.nn.sigmoid(decoder)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(1, num_steps + 1):
        start = (i * batch_size) % len(images)
        batch_x = images[start : start + batch_size]
        _, batch_loss = sess.run([train_op, loss_op], feed_dict={input_image: batch_x})
        losses.append(float(batch_loss))
        if i % 20 == 0:
            print(f"Step {i}, Loss: {batch_loss:f}")
    means = sess.run(z_mean, feed_dict={input_image: images[:4]})
    grid = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.5]], np.float32)
    generated = sess.run(decoder, feed_dict={noise_input: grid})

results = {"losses": losses[::4], "z_mean": means.tolist(), "generated": generated.tolist()}
print("results:", json.dumps(results))
