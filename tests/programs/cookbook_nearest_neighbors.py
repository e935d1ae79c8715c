"""TensorFlow Machine Learning Cookbook (1st ed.), chapter 5, nearest-neighbour methods:
k-NN regression weighted by the L1 distances that ``tf.nn.top_k(tf.negative(distance), k)``
picks, a mixed distance (a diagonal weight matrix of the features' spreads), address
matching by ``tf.edit_distance`` on ``tf.sparse_placeholder``s fed SparseTensorValues of
characters plus a zip-code similarity, and image recognition by the votes of the k nearest
one-hot labels. Synthetic data instead of the book's downloads."""

import json

import numpy as np

import teachflow as tf

rng = np.random.RandomState(7)
results = {}

# -- k-NN regression (the book's housing values), L1 then the mixed distance ------------
num_features, k, batch_size = 5, 4, 12
x_vals = rng.uniform(0, 10, (60, num_features)).astype(np.float32)
y_vals = (x_vals @ rng.uniform(-1, 1, num_features) + rng.normal(0, 0.5, 60)).astype(np.float32)
y_vals = y_vals.reshape(-1, 1)
x_vals = (x_vals - x_vals.min(0)) / np.ptp(x_vals, 0)
x_vals_train, x_vals_test = x_vals[:48], x_vals[48:]
y_vals_train, y_vals_test = y_vals[:48], y_vals[48:]

x_data_train = tf.placeholder(shape=[None, num_features], dtype=tf.float32)
x_data_test = tf.placeholder(shape=[None, num_features], dtype=tf.float32)
y_target_train = tf.placeholder(shape=[None, 1], dtype=tf.float32)
y_target_test = tf.placeholder(shape=[None, 1], dtype=tf.float32)


def knn_prediction(distance):
    top_k_xvals, top_k_indices = tf.nn.top_k(tf.negative(distance), k=k)
    x_sums = tf.expand_dims(tf.reduce_sum(top_k_xvals, 1), 1)
    x_sums_repeated = tf.matmul(x_sums, tf.ones([1, k], tf.float32))
    x_val_weights = tf.expand_dims(tf.div(top_k_xvals, x_sums_repeated), 1)
    top_k_yvals = tf.gather(y_target_train, top_k_indices)
    prediction = tf.squeeze(tf.matmul(x_val_weights, top_k_yvals), axis=[1])
    mse = tf.div(tf.reduce_sum(tf.square(tf.subtract(prediction, y_target_test))), batch_size)
    return prediction, mse, top_k_indices


l1 = tf.reduce_sum(tf.abs(tf.subtract(x_data_train, tf.expand_dims(x_data_test, 1))), axis=2)
weight_diagonal = x_vals.std(0)
weight_matrix = tf.cast(tf.diag(weight_diagonal), dtype=tf.float32)
subtraction_term = tf.subtract(x_data_train, tf.expand_dims(x_data_test, 1))
first_product = tf.matmul(
    subtraction_term, tf.tile(tf.expand_dims(weight_matrix, 0), [batch_size, 1, 1])
)
second_product = tf.matmul(first_product, tf.transpose(subtraction_term, perm=[0, 2, 1]))
mixed = tf.sqrt(tf.matrix_diag_part(second_product))

sess = tf.Session()
feed = {
    x_data_train: x_vals_train,
    x_data_test: x_vals_test,
    y_target_train: y_vals_train,
    y_target_test: y_vals_test,
}
for label, distance in (("l1", l1), ("mixed", mixed)):
    prediction, mse, top_k_indices = knn_prediction(distance)
    predictions, batch_mse, nearest = sess.run([prediction, mse, top_k_indices], feed_dict=feed)
    print(label, "MSE:", np.round(batch_mse, 3))
    results[label] = {
        "mse": float(batch_mse),
        "predictions": predictions.ravel().tolist(),
        "nearest": nearest.tolist(),
    }

# -- address matching: edit distance of the street text, similarity of the zip code ------
street_names = ["abbey", "baker", "canal", "donner", "elm", "fifth", "main", "pine"]
street_types = ["rd", "st", "ln", "pass", "ave", "hwy"]
street_zips = [str(x) for x in rng.randint(10000, 10100, 8)]
numbers = [str(x) for x in rng.randint(100, 999, 8)]
reference_data = [
    [numbers[i] + " " + street_names[i] + " " + street_types[i % 6], street_zips[i]]
    for i in range(8)
]


def create_typo(s, prob=0.75):
    if rng.uniform() < prob:
        rand_ind = rng.choice(range(len(s)))
        s_list = list(s)
        s_list[rand_ind] = rng.choice(list("abcdefghijklmnopqrstuvwxyz"))
        s = "".join(s_list)
    return s


typo_streets = [create_typo(x) for x in street_names]
test_data = [
    [numbers[i] + " " + typo_streets[i] + " " + street_types[i % 6], street_zips[i]]
    for i in range(8)
]

test_address = tf.sparse_placeholder(dtype=tf.string)
test_zip = tf.placeholder(shape=[None, 1], dtype=tf.float32)
ref_address = tf.sparse_placeholder(dtype=tf.string)
ref_zip = tf.placeholder(shape=[None, len(reference_data)], dtype=tf.float32)
zip_dist = tf.square(tf.subtract(ref_zip, test_zip))
address_dist = tf.edit_distance(test_address, ref_address, normalize=True)
zip_max = tf.gather(tf.squeeze(zip_dist), tf.argmax(zip_dist, 1))
zip_min = tf.gather(tf.squeeze(zip_dist), tf.argmin(zip_dist, 1))
zip_sim = tf.div(tf.subtract(zip_max, zip_dist), tf.subtract(zip_max, zip_min))
address_sim = tf.subtract(1.0, address_dist)
address_weight = 0.5
zip_weight = 1.0 - address_weight
weighted_sim = tf.add(
    tf.transpose(tf.multiply(address_weight, address_sim)), tf.multiply(zip_weight, zip_sim)
)
top_match_index = tf.argmax(weighted_sim, 1)


def sparse_from_word_vec(word_vec):
    num_words = len(word_vec)
    indices = [[xi, 0, yi] for xi, x in enumerate(word_vec) for yi, y in enumerate(x)]
    chars = list("".join(word_vec))
    return tf.SparseTensorValue(indices, chars, [num_words, 1, 1])


reference_addresses = [x[0] for x in reference_data]
reference_zips = np.array([[int(x[1]) for x in reference_data]])
sparse_ref_set = sparse_from_word_vec(reference_addresses)
matches, distances = [], []
for i in range(len(test_data)):
    test_address_entry = test_data[i][0]
    test_zip_entry = [[int(test_data[i][1])]]
    test_address_repeated = [test_address_entry] * len(reference_data)
    sparse_test_set = sparse_from_word_vec(test_address_repeated)
    feeddict = {
        test_address: sparse_test_set,
        test_zip: test_zip_entry,
        ref_address: sparse_ref_set,
        ref_zip: reference_zips,
    }
    best_match, dist = sess.run([top_match_index, address_dist], feed_dict=feeddict)
    best_street = reference_addresses[best_match[0]]
    print("Address: " + test_address_entry + ", Match: " + best_street)
    matches.append(int(best_match[0]))
    distances.append(dist.ravel().tolist())
results["address"] = {"matches": matches, "distances": distances, "op": address_dist.op.type}

# -- image recognition: the k nearest images vote with their one-hot labels --------------
pixels, classes, k_img = 16, 3, 3
centres = rng.uniform(0, 1, (classes, pixels))
train_labels = rng.randint(0, classes, 45)
test_labels = rng.randint(0, classes, 9)
x_vals_train = (centres[train_labels] + rng.normal(0, 0.3, (45, pixels))).astype(np.float32)
x_vals_test = (centres[test_labels] + rng.normal(0, 0.3, (9, pixels))).astype(np.float32)
y_vals_train = np.eye(classes, dtype=np.float32)[train_labels]

x_data_train = tf.placeholder(shape=[None, pixels], dtype=tf.float32)
x_data_test = tf.placeholder(shape=[None, pixels], dtype=tf.float32)
y_target_train = tf.placeholder(shape=[None, classes], dtype=tf.float32)
distance = tf.reduce_sum(tf.abs(tf.subtract(x_data_train, tf.expand_dims(x_data_test, 1))), axis=2)
top_k_xvals, top_k_indices = tf.nn.top_k(tf.negative(distance), k=k_img)
prediction_indices = tf.gather(y_target_train, top_k_indices)
count_of_predictions = tf.reduce_sum(prediction_indices, axis=1)
prediction = tf.argmax(count_of_predictions, axis=1)
predictions = sess.run(
    prediction,
    feed_dict={x_data_train: x_vals_train, x_data_test: x_vals_test, y_target_train: y_vals_train},
)
accuracy = float(np.mean(predictions == test_labels))
print("Accuracy on test set:", accuracy)
results["images"] = {"predictions": predictions.tolist(), "accuracy": accuracy}
sess.close()

print("results:", json.dumps(results))
