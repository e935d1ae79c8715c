"""The names a SavedModel directory and its meta graphs use (TF's ``saved_model.constants``).

>>> from teachflow.saved_model import constants
>>> constants.SAVED_MODEL_FILENAME_PB, constants.VARIABLES_DIRECTORY
('saved_model.pb', 'variables')
"""

ASSETS_DIRECTORY = "assets"
ASSETS_KEY = "saved_model_assets"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"
LEGACY_INIT_OP_KEY = "legacy_init_op"
MAIN_OP_KEY = "saved_model_main_op"
TRAIN_OP_KEY = "saved_model_train_op"
# TF 2's loader also finds an init op under this signature key.
INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
SAVED_MODEL_SCHEMA_VERSION = 1
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
