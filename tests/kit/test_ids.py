from __future__ import annotations

import threading

from recruitiq.kit.ids import new_id


def test_ids_made_in_one_process_sort_in_creation_order_and_never_repeat():
    made = [new_id("evt") for _ in range(20_000)]  # many share a millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_ids_stay_unique_across_threads():
    made: list[str] = []

    def make() -> None:
        batch = [new_id("job") for _ in range(5_000)]
        made.extend(batch)
        assert batch == sorted(batch)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 20_000
