"""Stanford CS20 (2018), lecture 7 (``07_convnet_layers.py``): the lecture's ``ConvNet``
class built of ``tf.layers`` (``conv2d``, ``max_pooling2d``, ``dense``, ``dropout``), fed by
one ``tf.data`` iterator switched between train and test sets, Adam stepping a
``global_step``, scalar and histogram summaries merged and written by a ``FileWriter``, and
the lecture's resume: a ``tf.train.Saver`` checkpoint per epoch, and a second run (a new
graph, as a restarted script has) that finds it with ``tf.train.get_checkpoint_state``,
restores it and goes on from the saved step.

As in the lecture, ``tf.layers.dropout`` gets ``keep_prob`` where it takes a rate and a
Python ``training=False`` when the graph is built, so it drops nothing.

The data is synthetic (no MNIST download), and the images 12x12 instead of 28x28.
"""

# The course's own names (``l`` for a loss) and its %-formatted prints.
# ruff: noqa: E741, UP031

import json
import os
import shutil
import tempfile

import numpy as np

import teachflow as tf

workdir = tempfile.mkdtemp()
image_size = 12
rng = np.random.RandomState(17)
templates = rng.rand(10, image_size * image_size).astype(np.float32)


def make_split(n):
    labels = rng.randint(10, size=n)
    noise = 0.5 * rng.randn(n, image_size * image_size)
    images = np.clip(templates[labels] + noise, 0.0, 1.0).astype(np.float32)
    return images, np.eye(10, dtype=np.float32)[labels]


mnist_train, mnist_test = make_split(96), make_split(40)


def get_mnist_dataset(batch_size):
    train_data = tf.data.Dataset.from_tensor_slices(mnist_train)
    train_data = train_data.shuffle(10000)  # if you want to shuffle your data
    train_data = train_data.batch(batch_size)
    test_data = tf.data.Dataset.from_tensor_slices(mnist_test)
    test_data = test_data.batch(batch_size)
    return train_data, test_data


class ConvNet:
    def __init__(self):
        self.lr = 0.001
        self.batch_size = 16
        self.keep_prob = tf.constant(0.75)
        self.gstep = tf.Variable(0, dtype=tf.int32, trainable=False, name="global_step")
        self.n_classes = 10
        self.skip_step = 3
        self.n_test = len(mnist_test[0])
        self.training = False

    def get_data(self):
        with tf.name_scope("data"):
            train_data, test_data = get_mnist_dataset(self.batch_size)
            iterator = tf.data.Iterator.from_structure(
                train_data.output_types, train_data.output_shapes
            )
            img, self.label = iterator.get_next()
            self.img = tf.reshape(img, shape=[-1, image_size, image_size, 1])
            self.train_init = iterator.make_initializer(train_data)  # initializer for train_data
            self.test_init = iterator.make_initializer(test_data)  # initializer for train_data

    def inference(self):
        conv1 = tf.layers.conv2d(
            inputs=self.img,
            filters=4,
            kernel_size=[3, 3],
            padding="SAME",
            activation=tf.nn.relu,
            name="conv1",
        )
        pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2, name="pool1")
        conv2 = tf.layers.conv2d(
            inputs=pool1,
            filters=8,
            kernel_size=[3, 3],
            padding="SAME",
            activation=tf.nn.relu,
            name="conv2",
        )
        pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2, name="pool2")
        feature_dim = pool2.shape[1] * pool2.shape[2] * pool2.shape[3]
        pool2 = tf.reshape(pool2, [-1, feature_dim])
        fc = tf.layers.dense(pool2, 32, activation=tf.nn.relu, name="fc")
        dropout = tf.layers.dropout(fc, self.keep_prob, training=self.training, name="dropout")
        self.logits = tf.layers.dense(dropout, self.n_classes, name="logits")

    def loss(self):
        with tf.name_scope("loss"):
            entropy = tf.nn.softmax_cross_entropy_with_logits(labels=self.label, logits=self.logits)
            self.loss = tf.reduce_mean(entropy, name="loss")

    def optimize(self):
        self.opt = tf.train.AdamOptimizer(self.lr).minimize(self.loss, global_step=self.gstep)

    def summary(self):
        with tf.name_scope("summaries"):
            tf.summary.scalar("loss", self.loss)
            tf.summary.scalar("accuracy", self.accuracy)
            tf.summary.histogram("histogram_loss", self.loss)
            self.summary_op = tf.summary.merge_all()

    def eval(self):
        with tf.name_scope("predict"):
            preds = tf.nn.softmax(self.logits)
            correct_preds = tf.equal(tf.argmax(preds, 1), tf.argmax(self.label, 1))
            self.accuracy = tf.reduce_sum(tf.cast(correct_preds, tf.float32))

    def build(self):
        self.get_data()
        self.inference()
        self.loss()
        self.optimize()
        self.eval()
        self.summary()

    def train_one_epoch(self, sess, saver, init, writer, epoch, step):
        sess.run(init)
        self.training = True
        total_loss = 0
        n_batches = 0
        try:
            while True:
                _, l, summaries = sess.run([self.opt, self.loss, self.summary_op])
                writer.add_summary(summaries, global_step=step)
                if (step + 1) % self.skip_step == 0:
                    print(f"Loss at step {step}: {l}")
                step += 1
                total_loss += l
                n_batches += 1
        except tf.errors.OutOfRangeError:
            pass
        saver.save(sess, os.path.join(workdir, "checkpoints/convnet_layers/mnist-convnet"), step)
        print(f"Average loss at epoch {epoch}: {total_loss / n_batches}")
        self.log.append(["train", epoch, int(step), float(total_loss / n_batches)])
        return step

    def eval_once(self, sess, init, writer, epoch, step):
        sess.run(init)
        self.training = False
        total_correct_preds = 0
        try:
            while True:
                accuracy_batch, summaries = sess.run([self.accuracy, self.summary_op])
                writer.add_summary(summaries, global_step=step)
                total_correct_preds += accuracy_batch
        except tf.errors.OutOfRangeError:
            pass
        print(f"Accuracy at epoch {epoch}: {total_correct_preds / self.n_test} ")
        self.log.append(["eval", epoch, int(step), float(total_correct_preds / self.n_test)])

    def train(self, n_epochs):
        """
        The train function alternates between training one epoch and evaluating
        """
        os.makedirs(os.path.join(workdir, "checkpoints/convnet_layers"), exist_ok=True)
        writer = tf.summary.FileWriter(
            os.path.join(workdir, "graphs/convnet_layers"), tf.get_default_graph()
        )
        self.log = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver = tf.train.Saver()
            ckpt = tf.train.get_checkpoint_state(
                os.path.dirname(os.path.join(workdir, "checkpoints/convnet_layers/checkpoint"))
            )
            if ckpt and ckpt.model_checkpoint_path:
                saver.restore(sess, ckpt.model_checkpoint_path)
                self.log.append(["restored", os.path.basename(ckpt.model_checkpoint_path)])

            step = self.gstep.eval()

            for epoch in range(n_epochs):
                step = self.train_one_epoch(sess, saver, self.train_init, writer, epoch, step)
                self.eval_once(sess, self.test_init, writer, epoch, step)
            self.log.append(sess.run("logits/bias:0").tolist())
        writer.close()
        return self.log


runs = []
for n_epochs in (2, 1):  # the second run is the script started again: it resumes
    tf.reset_default_graph()
    tf.set_random_seed(7)
    model = ConvNet()
    model.build()
    runs.append(model.train(n_epochs=n_epochs))

ckpt = tf.train.get_checkpoint_state(os.path.join(workdir, "checkpoints/convnet_layers"))
results = {
    "runs": runs,
    "checkpoints": [os.path.basename(p) for p in ckpt.all_model_checkpoint_paths],
    "trainable": [v.op.name for v in tf.trainable_variables()],
}
shutil.rmtree(workdir)
print("results:", json.dumps(results))
