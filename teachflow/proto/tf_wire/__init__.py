"""TensorFlow's distributed-runtime messages: master.proto, worker.proto and what they use.

The ``.proto`` files here hold TensorFlow's message definitions as the installed TensorFlow
2.21 defines them (recorded by ``tests/fixtures/tensorflow/record_wire_protos.py``), under
the package ``teachflow.tfwire`` so that TensorFlow can be imported beside teachflow. The
wire format carries only field numbers, so these messages are byte-compatible with
TensorFlow's: a ``RunStepRequest`` written by TensorFlow's C++ client parses here.

    >>> from teachflow.proto.tf_wire import master_pb2
    >>> request = master_pb2.RunStepRequest(session_handle="s", fetch=["c:0"])
    >>> master_pb2.RunStepRequest.FromString(request.SerializeToString()).fetch[0]
    'c:0'

The gRPC method paths are TensorFlow's (``/tensorflow.MasterService/RunStep``,
``/tensorflow.WorkerService/RunGraph``); they are spelled where the services are served.
"""
