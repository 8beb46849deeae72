"""Concurrent bookings from several OS processes, each with many threads (PostgreSQL race tests)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable


def _hold_once(url: str, collectible_id: str, store_id: str, pickup_iso: str) -> str:
    from datetime import date

    from mongocollectibles.domain.errors import Conflict, OutOfStock
    from mongocollectibles.services.unit_of_work import UnitOfWork
    from tests.support.bookings import book

    try:
        with UnitOfWork(url)() as session:
            return book(
                session, collectible_id, store_id, pickup=date.fromisoformat(pickup_iso)
            ).unit_id
    except (OutOfStock, Conflict):
        return "out_of_stock"
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        return f"error: {type(error).__name__}: {error}"


def run_threads(n: int, start_at: float, task: Callable[[], str]) -> list[str]:
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        time.sleep(max(0.0, start_at - time.time()))
        outcome = task()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _process_main(url, collectible_id, store_id, pickup_iso, threads, start_at, queue) -> None:  # noqa: ANN001
    queue.put(
        run_threads(
            threads, start_at, lambda: _hold_once(url, collectible_id, store_id, pickup_iso)
        )
    )


def race_holds(
    url: str, collectible_id: str, store_id: str, processes: int, threads: int, pickup_iso: str
) -> list[str]:
    """All bookings for one pickup date start at the same instant; returns each attempt's
    unit id or outcome."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 3.0  # time for the spawned interpreters to import
    workers = [
        context.Process(
            target=_process_main,
            args=(url, collectible_id, store_id, pickup_iso, threads, start_at, queue),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [item for _ in workers for item in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
    return results
