"""Tags naming a meta graph of a SavedModel: what it is for (serving, training) and where it
runs. A loader asks for one set of tags and gets the meta graph with exactly that set.

    >>> from teachflow.saved_model import tag_constants
    >>> tag_constants.SERVING
    'serve'
"""

SERVING = "serve"
TRAINING = "train"
EVAL = "eval"
GPU = "gpu"
TPU = "tpu"
