"""Stanford CS20 (2018), lecture 3 (``03_logreg.py``): logistic regression on MNIST-shaped
data read through ``tf.data``: ``Dataset.from_tensor_slices`` of (images, one-hot labels),
a seeded ``shuffle`` and ``batch``, one ``Iterator.from_structure`` switched between the
train and test sets by ``make_initializer``, ``tf.get_variable`` weights, Adam, and the
number of correct predictions summed over the test set to ``OutOfRangeError``. The
lecture's later variant, ``make_initializable_iterator`` over a dataset of its own, gives
the validation loss.

The data is synthetic (no MNIST download): 28x28 images made of a noisy template per digit.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json

import numpy as np

import teachflow as tf

# Define parameters for the model
learning_rate = 0.01
batch_size = 32
n_epochs = 4
n_train = 320
n_test = 100

rng = np.random.RandomState(20)
templates = 0.2 + 0.6 * rng.rand(10, 784).astype(np.float32)


def make_split(n):
    labels = rng.randint(10, size=n)
    images = np.clip(templates[labels] + 1.0 * rng.randn(n, 784), 0.0, 1.0).astype(np.float32)
    return images, np.eye(10, dtype=np.float32)[labels]


train, val, test = make_split(n_train), make_split(64), make_split(n_test)

# Step 1: Read in data, create datasets and an iterator for both
train_data = tf.data.Dataset.from_tensor_slices(train)
train_data = train_data.shuffle(10000, seed=3)  # if you want to shuffle your data
train_data = train_data.batch(batch_size)

test_data = tf.data.Dataset.from_tensor_slices(test)
test_data = test_data.batch(batch_size)

iterator = tf.data.Iterator.from_structure(train_data.output_types, train_data.output_shapes)
img, label = iterator.get_next()

train_init = iterator.make_initializer(train_data)  # initializer for train_data
test_init = iterator.make_initializer(test_data)  # initializer for test_data

# Step 3: create weights and bias
w = tf.get_variable(
    name="weights", shape=(784, 10), initializer=tf.random_normal_initializer(0, 0.01, seed=5)
)
b = tf.get_variable(name="bias", shape=(1, 10), initializer=tf.zeros_initializer())

# Step 4: build model
logits = tf.matmul(img, w) + b

# Step 5: define loss function
entropy = tf.nn.softmax_cross_entropy_with_logits(labels=label, logits=logits, name="entropy")
loss = tf.reduce_mean(entropy, name="loss")  # computes the mean over all the examples

# Step 6: define training op
optimizer = tf.train.AdamOptimizer(learning_rate).minimize(loss)

# Step 7: calculate accuracy with test set
preds = tf.nn.softmax(logits)
correct_preds = tf.equal(tf.argmax(preds, 1), tf.argmax(label, 1))
accuracy = tf.reduce_sum(tf.cast(correct_preds, tf.float32))

# Validation loss through an initializable iterator of its own.
val_iterator = tf.data.Dataset.from_tensor_slices(val).batch(64).make_initializable_iterator()
val_img, val_label = val_iterator.get_next()
val_loss = tf.reduce_mean(
    tf.nn.softmax_cross_entropy_with_logits(labels=val_label, logits=tf.matmul(val_img, w) + b)
)

epoch_losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())

    # train the model n_epochs times
    for i in range(n_epochs):
        sess.run(train_init)  # drawing samples from train_data
        total_loss = 0
        n_batches = 0
        try:
            while True:
                _, l = sess.run([optimizer, loss])
                total_loss += l
                n_batches += 1
        except tf.errors.OutOfRangeError:
            pass
        sess.run(val_iterator.initializer)
        v = sess.run(val_loss)
        print(f"Average loss epoch {i}: {total_loss / n_batches} (validation {v})")
        epoch_losses.append([float(total_loss / n_batches), n_batches, float(v)])

    # test the model
    sess.run(test_init)  # drawing samples from test_data
    total_correct_preds = 0
    try:
        while True:
            accuracy_batch = sess.run(accuracy)
            total_correct_preds += accuracy_batch
    except tf.errors.OutOfRangeError:
        pass
    print(f"Accuracy {total_correct_preds / n_test}")
    bias = sess.run(b)

results = {
    "epochs": epoch_losses,
    "accuracy": float(total_correct_preds / n_test),
    "bias": bias[0].tolist(),
    "shapes": [img.shape.as_list(), label.shape.as_list()],
}
print("results:", json.dumps(results))
