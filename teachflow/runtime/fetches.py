"""Fetch structures: what ``Session.run`` was asked for, and how to give it back.

``fetches`` may be a Tensor, an Operation (fetches ``None``), a name, a Variable, a
SparseTensor (fetches a ``SparseTensorValue``), an IndexedSlices (fetches an
``IndexedSlicesValue``), or any
nesting of list / tuple / namedtuple / dict of these. The handler flattens it to unique
tensors and target ops, and rebuilds the same structure around the computed values.
"""

from __future__ import annotations

from teachflow.framework import errors
from teachflow.framework.operation import Operation, Tensor
from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue
from teachflow.ops.indexed_slices import IndexedSlices, IndexedSlicesValue


class FetchHandler:
    def __init__(self, graph, fetches):
        self._graph = graph
        self.tensors = []  # unique tensors to compute, in first-seen order
        self.targets = []  # unique ops to run for their side effects
        self._tensor_index = {}
        self._target_set = set()  # membership in `targets` without scanning it
        self._build = self._mapper(fetches)

    def _add_tensor(self, t):
        i = self._tensor_index.get(t)
        if i is None:
            i = self._tensor_index[t] = len(self.tensors)
            self.tensors.append(t)
        return i

    def _mapper(self, fetch):
        """A function ``values -> result`` for this (sub)structure."""
        if isinstance(fetch, (list, tuple)) and not isinstance(fetch, str):
            subs = [self._mapper(f) for f in fetch]
            if isinstance(fetch, list):
                return lambda vals: [s(vals) for s in subs]
            if hasattr(fetch, "_fields"):  # namedtuple
                cls = type(fetch)
                return lambda vals: cls(*[s(vals) for s in subs])
            return lambda vals: tuple(s(vals) for s in subs)
        if isinstance(fetch, SparseTensor):
            parts = self._mapper([fetch.indices, fetch.values, fetch.dense_shape])
            return lambda vals: SparseTensorValue(*parts(vals))
        if isinstance(fetch, IndexedSlices):
            if fetch.dense_shape is None:
                pair = self._mapper([fetch.values, fetch.indices])
                return lambda vals: IndexedSlicesValue(*pair(vals), None)
            parts = self._mapper([fetch.values, fetch.indices, fetch.dense_shape])
            return lambda vals: IndexedSlicesValue(*parts(vals))
        if isinstance(fetch, dict):
            cls = type(fetch)
            items = [(k, self._mapper(v)) for k, v in fetch.items()]
            return lambda vals: cls((k, s(vals)) for k, s in items)
        element = self._element(fetch)
        if not self._graph.is_fetchable(element):
            name = element.name if isinstance(element, Operation) else element.op.name
            raise errors.InaccessibleTensorError(
                f"Operation {name} has been marked as not fetchable. Typically this happens "
                "when it is defined in another function or code block. Use return values, "
                "explicit Python locals or TensorFlow collections to access it."
            )
        if isinstance(element, Operation):
            if element not in self._target_set:
                self._target_set.add(element)
                self.targets.append(element)
            return lambda vals: None
        i = self._add_tensor(element)
        return lambda vals: vals[i]

    def _element(self, fetch):
        if fetch is None:
            raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}")
        try:
            return self._graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
        except TypeError as e:
            raise TypeError(
                f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a string or "
                f"Tensor. ({e})"
            ) from None
        except ValueError as e:
            raise ValueError(
                f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e})"
            ) from None
        except KeyError as e:
            raise ValueError(
                f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e.args[0]})"
            ) from None

    def build_results(self, values):
        return self._build(values)


def fetch_key(fetches):
    """A hashable key for a fetch structure, so its handler and plan can be cached."""
    if isinstance(fetches, (Tensor, Operation, str)):
        return fetches
    if isinstance(fetches, list):
        return ("L",) + tuple(fetch_key(f) for f in fetches)
    if isinstance(fetches, tuple):
        return (type(fetches),) + tuple(fetch_key(f) for f in fetches)
    if isinstance(fetches, dict):
        return (type(fetches),) + tuple((k, fetch_key(v)) for k, v in fetches.items())
    try:
        hash(fetches)
    except TypeError:
        return ("id", id(fetches))
    return ("obj", fetches)
