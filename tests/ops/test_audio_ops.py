"""tf.audio.decode_wav / encode_wav against TensorFlow's results (bytes, samples, shapes,
errors), recorded by tests/fixtures/tensorflow/record_audio.py."""

from tests.fixtures.tensorflow.audio_programs import run
from tests.tensorflow_record import same_results_as_tensorflow

test_same_results_as_tensorflow = same_results_as_tensorflow("audio", run)
