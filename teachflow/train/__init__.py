"""``tf.train``: optimizers, global step, and the cluster: ClusterSpec, Server, replica_device_setter."""

from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.server import Server
from teachflow.proto.example import (  # noqa: F401 - tf.train.Example and its parts
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from teachflow.proto.messages import ClusterDef, JobDef
from teachflow.proto.tf_wire.tensorflow_server_pb2 import ServerDef
from teachflow.summary.summary_iterator import summary_iterator
from teachflow.train import resource_training_ops as _resource_training_ops  # noqa: F401
from teachflow.train.adadelta import AdadeltaOptimizer
from teachflow.train.adagrad import AdagradOptimizer
from teachflow.train.adagrad_da import AdagradDAOptimizer
from teachflow.train.adam import AdamOptimizer
from teachflow.train.basic_loop import basic_train_loop
from teachflow.train.basic_session_run_hooks import (
    CheckpointSaverHook,
    CheckpointSaverListener,
    FeedFnHook,
    FinalOpsHook,
    GlobalStepWaiterHook,
    LoggingTensorHook,
    NanLossDuringTrainingError,
    NanTensorHook,
    SecondOrStepTimer,
    StepCounterHook,
    StopAtStepHook,
)
from teachflow.train.batching import (
    batch,
    batch_join,
    maybe_batch,
    maybe_batch_join,
    maybe_shuffle_batch,
    maybe_shuffle_batch_join,
    shuffle_batch,
    shuffle_batch_join,
)
from teachflow.train.checkpoint_management import (
    NewCheckpointReader,
    checkpoint_exists,
    generate_checkpoint_state_proto,
    get_checkpoint_mtimes,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
    load_checkpoint,
    load_variable,
    remove_checkpoint,
    update_checkpoint_state,
)
from teachflow.train.checkpoint_utils import init_from_checkpoint
from teachflow.train.checkpoints_iterator import checkpoints_iterator
from teachflow.train.coordinator import Coordinator, LooperThread
from teachflow.train.device_setter import (
    GreedyLoadBalancingStrategy,
    byte_size_load_fn,
    replica_device_setter,
)
from teachflow.train.ftrl import FtrlOptimizer
from teachflow.train.gradient_descent import GradientDescentOptimizer
from teachflow.train.graph_io import write_graph
from teachflow.train.input import (
    input_producer,
    limit_epochs,
    match_filenames_once,
    range_input_producer,
    slice_input_producer,
    string_input_producer,
)
from teachflow.train.learning_rate_decay import (
    cosine_decay,
    cosine_decay_restarts,
    exponential_decay,
    inverse_time_decay,
    linear_cosine_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
)
from teachflow.train.momentum import MomentumOptimizer
from teachflow.train.monitored_session import (
    MonitoredSession,
    MonitoredTrainingSession,
    SingularMonitoredSession,
)
from teachflow.train.moving_averages import ExponentialMovingAverage
from teachflow.train.noisy_linear_cosine_decay import noisy_linear_cosine_decay
from teachflow.train.optimizer import Optimizer
from teachflow.train.profiler_hook import ProfilerHook
from teachflow.train.proximal_adagrad import ProximalAdagradOptimizer
from teachflow.train.proximal_gradient_descent import ProximalGradientDescentOptimizer
from teachflow.train.queue_runner import QueueRunner, add_queue_runner, start_queue_runners
from teachflow.train.rmsprop import RMSPropOptimizer
from teachflow.train.saver import Saver, SaverDef
from teachflow.train.saver_meta_graph import export_meta_graph, import_meta_graph
from teachflow.train.scaffold import (
    ChiefSessionCreator,
    Scaffold,
    SessionCreator,
    WorkerSessionCreator,
)
from teachflow.train.session_manager import SessionManager
from teachflow.train.session_run_hook import (
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
)
from teachflow.train.summary_saver_hook import SummarySaverHook
from teachflow.train.supervisor import Supervisor
from teachflow.train.sync_replicas_optimizer import SyncReplicasOptimizer
from teachflow.train.training_util import (
    assert_global_step,
    create_global_step,
    get_global_step,
    get_or_create_global_step,
    global_step,
)
from teachflow.train.warm_starting import VocabInfo, warm_start

# TF1 exports the piecewise schedule under both names.
piecewise_constant_decay = piecewise_constant
