"""Where the LDA's tasks run: in this process, in local processes, or on a Dask cluster.

Every task is a module-level function applied to a tuple of plain arguments and carries its own
seed (a child of the run's ``SeedSequence`` spawned *before* the tasks are handed out), so a result
never depends on which worker ran which task or on how many there are. :meth:`Runner.map` returns
the results in task order, and the caller combines them in that order (sums included), so the
figures are bit-identical for one worker, two, or a cluster.

- ``scheduler=None``: ``n_workers`` local processes (default: every core this process may use);
  one worker runs the tasks in this process.
- ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``): the tasks go to that Dask
  cluster; needs the ``dask`` extra (``pip install 'oprisk[dask]'``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

from oprisk.errors import ConfigurationError, invalid

T = TypeVar("T")

#: What to install when a scheduler is given without Dask.
DASK_MISSING = (
    "a Dask scheduler was given but dask.distributed is not installed: "
    "pip install 'oprisk[dask]' (or 'dask[distributed]')"
)


def default_workers() -> int:
    """The cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _single_threaded(fn: Callable[[Any], T], task: Any) -> T:
    # one BLAS thread per task: the workers are the parallelism, and a fixed thread count keeps
    # every matrix product bit-reproducible
    with threadpool_limits(1):
        return fn(task)


class Runner:
    """Maps a function over tasks in order, locally or on a Dask cluster (a context manager)."""

    def __init__(self, n_workers: int | None = None, scheduler: Any = None) -> None:
        if n_workers is not None and (
            isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1
        ):
            raise ConfigurationError(invalid("n_workers", n_workers, "must be an integer ≥ 1"))
        self.scheduler = scheduler
        self._client: Any = None
        self._own_client = False
        self._pool: ProcessPoolExecutor | None = None
        if scheduler is not None:
            self._client, self._own_client = _client(scheduler)
            self.n_workers = len(self._client.scheduler_info().get("workers", {})) or 1
        else:
            self.n_workers = n_workers or default_workers()

    @property
    def where(self) -> str:
        """``"dask tcp://…"``, ``"processes"`` or ``"this process"`` (for reports)."""
        if self._client is not None:
            return f"dask {self._client.scheduler.address}"
        return "processes" if self.n_workers > 1 else "this process"

    @property
    def local_processes(self) -> bool:
        """Whether the tasks run on processes of this machine (which can share files)."""
        return self._client is None and self.n_workers > 1

    def map(self, fn: Callable[[Any], T], tasks: Sequence[Any]) -> list[T]:
        """``[fn(t) for t in tasks]``, run where this runner runs, in task order."""
        if not tasks:
            return []
        if self._client is not None:
            futures = self._client.map(_single_threaded, [fn] * len(tasks), tasks, pure=False)
            return list(self._client.gather(futures))
        if self.n_workers == 1 or len(tasks) == 1:
            return [_single_threaded(fn, t) for t in tasks]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.n_workers)
        return list(self._pool.map(_single_threaded, [fn] * len(tasks), tasks))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client(scheduler: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for an address (ours to close) or the client given (the caller's)."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigurationError(DASK_MISSING) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ConfigurationError(
            invalid(
                "scheduler", scheduler, "must be a Dask scheduler address such as tcp://host:8786"
            )
        )
    try:
        return Client(scheduler, timeout=5), True
    except OSError as exc:
        raise ConfigurationError(
            invalid("scheduler", scheduler, f"no Dask scheduler answered there ({exc})")
        ) from None
