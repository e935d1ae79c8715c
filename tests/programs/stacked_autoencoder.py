"""A stacked autoencoder with tied weights, as *Hands-On Machine Learning* (1st ed.) chapter 15
writes it: the decoder's weights are the encoder's transposed (``tf.transpose(weights1)``),
training goes one phase per layer, each with its own optimizer and ``var_list``, the output
layer is a logit scored by ``tf.nn.sigmoid_cross_entropy_with_logits``, and the inputs are
corrupted by ``tf.layers.dropout(training=...)`` (a denoising autoencoder).

The data is synthetic (no MNIST download): 16-pixel images in [0, 1] mixed from 3 patterns.
"""

import json

import numpy as np

import teachflow as tf


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


rng = np.random.RandomState(21)
patterns = rng.rand(3, 16)
X_train = (rng.dirichlet(np.ones(3), size=64) @ patterns).astype(np.float32)

reset_graph()
n_inputs, n_hidden1, n_hidden2 = 16, 8, 4
n_hidden3, n_outputs = n_hidden1, n_inputs
learning_rate = 0.05
l2_reg = 0.0005
dropout_rate = 0.3

activation = tf.nn.elu
initializer = tf.variance_scaling_initializer()


def regularizer(weights):
    return l2_reg * tf.nn.l2_loss(weights)


training = tf.placeholder_with_default(False, shape=(), name="training")
X = tf.placeholder(tf.float32, shape=[None, n_inputs])
X_drop = tf.layers.dropout(X, dropout_rate, training=training)

weights1_init = initializer([n_inputs, n_hidden1])
weights2_init = initializer([n_hidden1, n_hidden2])
weights1 = tf.Variable(weights1_init, dtype=tf.float32, name="weights1")
weights2 = tf.Variable(weights2_init, dtype=tf.float32, name="weights2")
weights3 = tf.transpose(weights2, name="weights3")  # tied weights
weights4 = tf.transpose(weights1, name="weights4")  # tied weights
biases1 = tf.Variable(tf.zeros(n_hidden1), name="biases1")
biases2 = tf.Variable(tf.zeros(n_hidden2), name="biases2")
biases3 = tf.Variable(tf.zeros(n_hidden3), name="biases3")
biases4 = tf.Variable(tf.zeros(n_outputs), name="biases4")

hidden1 = activation(tf.matmul(X_drop, weights1) + biases1)
hidden2 = activation(tf.matmul(hidden1, weights2) + biases2)
hidden3 = activation(tf.matmul(hidden2, weights3) + biases3)
logits = tf.matmul(hidden3, weights4) + biases4
outputs = tf.nn.sigmoid(logits)

with tf.name_scope("phase1"):
    phase1_optimizer = tf.train.AdamOptimizer(learning_rate)
    phase1_logits = tf.matmul(hidden1, weights4) + biases4  # bypass hidden2 and hidden3
    phase1_xentropy = tf.nn.sigmoid_cross_entropy_with_logits(labels=X, logits=phase1_logits)
    phase1_reconstruction_loss = tf.reduce_mean(phase1_xentropy)
    phase1_loss = phase1_reconstruction_loss + regularizer(weights1)
    phase1_training_op = phase1_optimizer.minimize(
        phase1_loss, var_list=[weights1, biases1, biases4]
    )

with tf.name_scope("phase2"):
    phase2_optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=0.9)
    phase2_reconstruction_loss = tf.reduce_mean(tf.square(hidden3 - hidden1))
    phase2_loss = phase2_reconstruction_loss + regularizer(weights2)
    train_vars = [weights2, biases2, biases3]
    phase2_training_op = phase2_optimizer.minimize(phase2_loss, var_list=train_vars)

with tf.name_scope("full"):
    xentropy = tf.nn.sigmoid_cross_entropy_with_logits(labels=X, logits=logits)
    reconstruction_loss = tf.reduce_mean(xentropy)
    loss = reconstruction_loss + regularizer(weights1) + regularizer(weights2)

init = tf.global_variables_initializer()

training_ops = [phase1_training_op, phase2_training_op]
reconstruction_losses = [phase1_reconstruction_loss, phase2_reconstruction_loss]
n_epochs = [6, 6]
batch_size = 16

history = []
with tf.Session() as sess:
    init.run()
    initial_loss = loss.eval(feed_dict={X: X_train})
    dropped = X_drop.eval(feed_dict={X: X_train[:2], training: True})
    for phase in range(2):
        for _ in range(n_epochs[phase]):
            for start in range(0, len(X_train), batch_size):
                X_batch = X_train[start : start + batch_size]
                sess.run(training_ops[phase], feed_dict={X: X_batch, training: True})
            loss_train = reconstruction_losses[phase].eval(feed_dict={X: X_train})
            history.append(float(loss_train))
        print("Phase", phase + 1, "train loss:", history[-1])
    final_loss = loss.eval(feed_dict={X: X_train})
    codings = hidden2.eval(feed_dict={X: X_train[:3]})
    reconstructed = outputs.eval(feed_dict={X: X_train[:1]})

results = {
    "initial_loss": float(initial_loss),
    "dropped": [[float(v) for v in row] for row in dropped],
    "history": history,
    "final_loss": float(final_loss),
    "codings": [[float(v) for v in row] for row in codings],
    "reconstructed": [float(v) for v in reconstructed[0]],
    "tied": [weights3.op.name, weights4.op.name, weights4.shape.as_list()],
    "global_variables": [v.op.name for v in tf.global_variables()],
}
print("results:", json.dumps(results))
