"""The IPython extension: ``%load_ext teachflow`` gives the ``%teachflow`` magics.

    %load_ext teachflow
    %teachflow cluster start --ps 1 --workers 2     # stored as `cluster`
    %teachflow cluster status
    %teachflow timeline

``%teachflow?`` lists every subcommand; ``%config TeachflowMagics`` lists the options.
IPython is imported here, never by ``import teachflow``: a headless server does not need it.
"""

from teachflow.magics.teachflow_magics import TeachflowMagics as TeachflowMagics
from teachflow.magics.teachflow_magics import current_cluster as current_cluster

_loaded = {}  # shell -> its TeachflowMagics


def load_ipython_extension(ipython) -> None:
    """Register the magics with ``ipython`` and make their options configurable."""
    if ipython in _loaded:
        return
    magics = TeachflowMagics(shell=ipython)
    ipython.register_magics(magics)
    # %config finds options through the shell's configurables.
    ipython.configurables.append(magics)
    _loaded[ipython] = magics


def unload_ipython_extension(ipython) -> None:
    """Stop the magics' cluster and recorder and remove the magics."""
    magics = _loaded.pop(ipython, None)
    if magics is None:
        return
    magics.close()
    import atexit

    atexit.unregister(magics.close)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("teachflow", None)
    ipython.magics_manager.registry.pop(type(magics).__name__, None)
