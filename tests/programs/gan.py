"""A generative adversarial network on 1-D data: a generator turns noise into samples, a
discriminator tells them from real ones (drawn from N(3, 0.5)). Both are built with
tf.get_variable under tf.variable_scope, the discriminator twice (reuse=True for the fake
batch); each side's optimizer updates only its own variables, found with tf.get_collection."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(9)
real_data = (3.0 + 0.5 * rng.randn(256, 1)).astype(np.float32)
noise_data = rng.uniform(-1.0, 1.0, size=(256, 2)).astype(np.float32)

batch_size = 32
noise_dim = 2
gen_hidden_dim = 8
disc_hidden_dim = 8
num_steps = 30
learning_rate = 0.005

tf.set_random_seed(6)


def generator(x, reuse=False):
    with tf.variable_scope("Generator", reuse=reuse):
        w1 = tf.get_variable("w1", [noise_dim, gen_hidden_dim])
        b1 = tf.get_variable("b1", [gen_hidden_dim], initializer=tf.zeros_initializer())
        hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
        w2 = tf.get_variable("w2", [gen_hidden_dim, 1])
        b2 = tf.get_variable("b2", [1], initializer=tf.zeros_initializer())
        return tf.matmul(hidden, w2) + b2


def discriminator(x, reuse=False):
    with tf.variable_scope("Discriminator", reuse=reuse):
        w1 = tf.get_variable(
            "w1", [1, disc_hidden_dim], initializer=tf.random_normal_initializer(stddev=0.5)
        )
        b1 = tf.get_variable("b1", [disc_hidden_dim], initializer=tf.zeros_initializer())
        hidden = tf.nn.tanh(tf.matmul(x, w1) + b1)
        w2 = tf.get_variable("w2", [disc_hidden_dim, 1])
        b2 = tf.get_variable("b2", [1], initializer=tf.zeros_initializer())
        return tf.matmul(hidden, w2) + b2


gen_input = tf.placeholder(tf.float32, shape=[None, noise_dim], name="input_noise")
disc_input = tf.placeholder(tf.float32, shape=[None, 1], name="disc_input")

gen_sample = generator(gen_input)
disc_real = discriminator(disc_input)
disc_fake = discriminator(gen_sample, reuse=True)

gen_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=disc_fake, labels=tf.ones_like(disc_fake))
)
disc_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=disc_real, labels=tf.ones_like(disc_real))
) + tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=disc_fake, labels=tf.zeros_like(disc_fake))
)

gen_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Generator")
disc_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Discriminator")
optimizer_gen = tf.train.AdamOptimizer(learning_rate=learning_rate, beta1=0.5)
optimizer_disc = tf.train.AdamOptimizer(learning_rate=learning_rate, beta1=0.5)
train_gen = optimizer_gen.minimize(gen_loss, var_list=gen_vars)
train_disc = optimizer_disc.minimize(disc_loss, var_list=disc_vars)

g_losses, d_losses = [], []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(num_steps):
        start = (i * batch_size) % len(real_data)
        feed = {
            disc_input: real_data[start : start + batch_size],
            gen_input: noise_data[start : start + batch_size],
        }
        _, dl = sess.run([train_disc, disc_loss], feed_dict=feed)
        _, gl = sess.run([train_gen, gen_loss], feed_dict=feed)
        d_losses.append(float(dl))
        g_losses.append(float(gl))
        if i % 10 == 0:
            print(f"Step {i}: Generator Loss: {gl:f}, Discriminator Loss: {dl:f}")
    samples = sess.run(gen_sample, feed_dict={gen_input: noise_data[:6]})
    names = [v.name for v in gen_vars + disc_vars]
    slots = sorted(v.name for v in tf.global_variables() if "Adam" in v.name)

results = {
    "gen_losses": g_losses[::3],
    "disc_losses": d_losses[::3],
    "samples": samples.ravel().tolist(),
    "variables": names,
    "adam_slots": slots,
}
print("results:", json.dumps(results))
