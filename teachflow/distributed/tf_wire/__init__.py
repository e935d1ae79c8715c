"""TensorFlow's own distributed protocol: ``tensorflow.MasterService`` and
``tensorflow.WorkerService``, served and called with TensorFlow's messages.

A teachflow server answers TensorFlow's clients and workers on the same port as teachflow's
own services (``teachflow.MasterService``...): gRPC tells them apart by the method path. A
teachflow client talks to a real TensorFlow server through the same paths. `methods` lists
every method with its request and response messages.
"""
